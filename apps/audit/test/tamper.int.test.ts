import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { plainRecordScopes, type KafkaRecord } from '@tally/kafka';
import { readTopics, uniqueName } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainEntries, GENESIS_HASH, type EntryContent } from '../src/core/chain.js';
import { lineClaimOf, verifyInclusionProof } from '../src/core/inclusion.js';
import type { SignedDigest } from '../src/core/signed-digest.js';
import { DigestSigner, inclusionProof } from '../src/digests.js';
import { AuditIngestor } from '../src/ingest.js';
import { ENTRY_COLUMNS, entryValues } from '../src/store/rows.js';
import type { AuditStore, StoredEntry } from '../src/store/types.js';
import { verifyLog } from '../src/verify.js';
import { checkAgainstLog, witnessGroupPrefix } from '../src/witness.js';
import { deposited, opened, storeFactories, topics } from './support.js';

/**
 * A database administrator's tampering, tried on real SQLite and PostgreSQL stores filled from a
 * real topic: each attack passes the plain chain verification (the DBA recomputes what the chain
 * checks) and is caught by the witness check against Kafka or by the signed digest, which names
 * the first bad entry.
 */

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const ACCOUNTS = ['tamper-a', 'tamper-b', 'tamper-c', 'tamper-d', 'tamper-e', 'tamper-f'];

let t: Awaited<ReturnType<typeof topics>>;
/** The topic's records per partition, in offset order. */
let byPartition: Map<number, KafkaRecord[]>;

beforeAll(async () => {
  t = await topics(3);
  const events: AccountEvent[] = [];
  for (const account of ACCOUNTS) {
    events.push(opened(account));
    for (let v = 2; v <= 5; v++) events.push(deposited(account, v, 1_000 * v));
  }
  await t.send(events);
  byPartition = new Map();
  for (const { partition, record } of await readTopics(t.kafka, [t.topic])) {
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), record]);
  }
});

afterAll(async () => {
  await t?.close();
});

/** What an attacker with the database's files or a superuser session can do. */
interface Attacker {
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
  readonly entries: string;
  readonly offsets: string;
}

async function attackerOf(
  kind: 'sqlite' | 'postgres',
  env: Record<string, string>,
): Promise<Attacker> {
  if (kind === 'sqlite') {
    const db = new Database(env['AUDIT_SQLITE_PATH'] as string);
    db.exec(
      'DROP TRIGGER IF EXISTS audit_entries_no_update; DROP TRIGGER IF EXISTS audit_entries_no_delete;',
    );
    return {
      run: async (sql, params = []) => void db.prepare(sql).run(...params),
      close: async () => void db.close(),
      entries: 'audit_entries',
      offsets: 'audit_offsets',
    };
  }
  const client = new pg.Client({ connectionString: env['DATABASE_URL'] });
  await client.connect();
  await client.query('ALTER TABLE audit.entries DISABLE TRIGGER USER');
  let n = 0;
  return {
    run: async (sql, params = []) => {
      n = 0;
      await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
    },
    close: () => client.end(),
    entries: 'audit.entries',
    offsets: 'audit.offsets',
  };
}

/** Replaces a chain from `fromSeq` on with `contents`, recomputing every hash, link and the head. */
async function rewriteChain(
  attacker: Attacker,
  store: AuditStore,
  chain: string,
  fromSeq: number,
  contents: readonly EntryContent[],
  nextOffset?: string,
): Promise<void> {
  const [before] = fromSeq > 1 ? await store.scanChain(chain, fromSeq - 2, 1) : [];
  const { entries, head } = chainEntries(
    { chain, seq: fromSeq - 1, hash: before?.hash ?? GENESIS_HASH },
    contents,
  );
  await attacker.run(`DELETE FROM ${attacker.entries} WHERE chain = ? AND seq >= ?`, [
    chain,
    fromSeq,
  ]);
  for (const entry of entries) {
    await attacker.run(
      `INSERT INTO ${attacker.entries} (${ENTRY_COLUMNS.join(', ')}) VALUES (${ENTRY_COLUMNS.map(() => '?').join(', ')})`,
      entryValues(entry),
    );
  }
  await attacker.run(
    `UPDATE ${attacker.offsets} SET head_seq = ?, head_hash = ?${nextOffset === undefined ? '' : ', next_offset = ?'} WHERE chain = ?`,
    [head.seq, head.hash, ...(nextOffset === undefined ? [] : [nextOffset]), chain],
  );
}

async function allEntries(store: AuditStore, chain: string): Promise<StoredEntry[]> {
  return store.scanChain(chain, 0, 100_000);
}

const contentOf = ({
  id: _id,
  chain: _c,
  seq: _s,
  prevHash: _p,
  hash: _h,
  ...content
}: StoredEntry) => content;

describe.each(storeFactories)('tampering with the audit log on $name', (factory) => {
  /**
   * A fresh store holding the first `split` records of each partition when the digest was signed
   * and every record after.
   */
  async function fixture(options: { split?: number; ingestRest?: boolean } = {}) {
    const { store, env, cleanup } = await factory.create();
    const ingestor = AuditIngestor.events(store, t.serde);
    const apply = async (partition: number, records: KafkaRecord[], from: number) => {
      if (records.length === 0) return;
      const next = Number(records.at(-1)?.offset) + 1;
      await ingestor.applyBatch({
        topic: t.topic,
        partition,
        fromOffset: String(from),
        nextOffset: String(next),
        messages: records,
        scopes: plainRecordScopes,
      });
    };
    const split = options.split ?? 6;
    for (const [partition, records] of byPartition)
      await apply(partition, records.slice(0, split), 0);
    const digest = await new DigestSigner({ store, privateKey }).sign();
    if (options.ingestRest !== false) {
      for (const [partition, records] of byPartition) {
        await apply(partition, records.slice(split), Math.min(split, records.length));
      }
    }
    return {
      store,
      digest,
      attacker: () => attackerOf(factory.name, env),
      witness: (maxIngestDelayMs = 900_000) =>
        checkAgainstLog({
          kafka: t.kafka,
          store,
          eventsTopic: t.topic,
          serde: t.serde,
          maxIngestDelayMs,
          groupPrefix: witnessGroupPrefix(uniqueName('audit-group')),
        }),
      verify: (signed?: SignedDigest) =>
        verifyLog(store, signed ? { digest: { digest: signed, publicKey } } : {}),
      async close() {
        await cleanup();
      },
    };
  }

  /** A partition holding entries of at least two accounts, and its chain. */
  const busyPartition = () => {
    const [partition] = [...byPartition].find(
      ([, records]) => new Set(records.map((r) => r.key?.toString())).size >= 2,
    )!;
    return { partition, chain: `${t.topic}/${partition}` };
  };

  it('the intact log passes the witness, the digest and an inclusion proof of a real line', async () => {
    const f = await fixture();
    try {
      const witness = await f.witness();
      expect(witness).toMatchObject({
        ok: true,
        matched: 30,
        notYetIngested: 0,
        firstDifference: null,
      });
      expect(await f.verify(f.digest)).toMatchObject({ ok: true, digest: { failures: [] } });

      const { chain } = busyPartition();
      const proven = await inclusionProof(f.store, chain, 3);
      expect(proven?.digest.sequence).toBe(1);
      const line = lineClaimOf(JSON.parse(proven!.proof.entry.payload!) as AccountEvent);
      expect(verifyInclusionProof(proven!.proof, f.digest, publicKey, line)).toEqual({
        ok: true,
        problems: [],
      });
      // An altered line, or an altered entry in the proof, fails, naming what.
      expect(
        verifyInclusionProof(proven!.proof, f.digest, publicKey, {
          ...line,
          amount: line.amount + 1n,
        }).problems.map((p) => p.at),
      ).toEqual(['line.amount']);
      const altered = {
        ...proven!.proof,
        entry: { ...proven!.proof.entry, amount: (proven!.proof.entry.amount ?? 0) + 1 },
      };
      expect(verifyInclusionProof(altered, f.digest, publicKey).problems.map((p) => p.at)).toEqual([
        'entry',
        'proof.path',
      ]);
    } finally {
      await f.close();
    }
  });

  it('a recomputed chain: the witness names the edited entry, the digest its signed head', async () => {
    const f = await fixture();
    const { chain, partition } = busyPartition();
    try {
      const entries = await allEntries(f.store, chain);
      const victim = entries[1]!;
      const payload = JSON.parse(victim.payload!) as { amount: number };
      const edited = {
        ...contentOf(victim),
        amount: (victim.amount ?? 0) + 100_000,
        payload: JSON.stringify({ ...payload, amount: payload.amount + 100_000 }),
      };
      const attacker = await f.attacker();
      try {
        await rewriteChain(attacker, f.store, chain, 2, [
          edited,
          ...entries.slice(2).map(contentOf),
        ]);
      } finally {
        await attacker.close();
      }
      expect((await f.verify()).ok).toBe(true); // the chain alone no longer tells
      const witness = await f.witness();
      expect(witness.ok).toBe(false);
      expect(witness.firstDifference).toMatchObject({
        partition,
        kind: 'altered',
        field: 'derived',
        seq: 2,
        offset: victim.offset,
      });
      const checked = await f.verify(f.digest);
      expect(checked.ok).toBe(false);
      const head = f.digest.heads.find((h) => h.chain === chain)!;
      expect(checked.digest?.failures[0]).toMatchObject({
        chain,
        seq: head.seq,
        problem: 'HEAD_CHANGED',
      });
    } finally {
      await f.close();
    }
  });

  it("a deleted account with the chain renumbered: the witness names its first record's place", async () => {
    const f = await fixture();
    const { chain, partition } = busyPartition();
    try {
      const entries = await allEntries(f.store, chain);
      const gone = entries[0]!.accountId;
      const kept = entries.filter((e) => e.accountId !== gone);
      const attacker = await f.attacker();
      try {
        await rewriteChain(attacker, f.store, chain, 1, kept.map(contentOf));
      } finally {
        await attacker.close();
      }
      expect((await f.verify()).ok).toBe(true);
      const witness = await f.witness();
      // The first record of the deleted account is offset 0; entry 1 now holds another offset.
      expect(witness.firstDifference).toMatchObject({
        partition,
        kind: 'missing',
        offset: entries[0]!.offset,
        seq: 1,
      });
      const checked = await f.verify(f.digest);
      expect(checked.ok).toBe(false);
      expect(checked.digest?.failures.map((x) => x.chain)).toContain(chain);
    } finally {
      await f.close();
    }
  });

  it('a tail cut above the last digest: the witness names the first record cut', async () => {
    const f = await fixture();
    const { chain, partition } = busyPartition();
    const head = f.digest.heads.find((h) => h.chain === chain)!;
    try {
      const attacker = await f.attacker();
      try {
        await attacker.run(`DELETE FROM ${attacker.entries} WHERE chain = ? AND seq > ?`, [
          chain,
          head.seq,
        ]);
        await attacker.run(
          `UPDATE ${attacker.offsets} SET head_seq = ?, head_hash = ?, next_offset = ? WHERE chain = ?`,
          [head.seq, head.hash, head.nextOffset, chain],
        );
      } finally {
        await attacker.close();
      }
      // Chain and digest both still verify: nothing they cover was touched.
      expect((await f.verify(f.digest)).ok).toBe(true);
      const cut = byPartition.get(partition)!.length - Number(head.nextOffset);
      // Within the ingest delay the cut records look not yet ingested ...
      expect(await f.witness()).toMatchObject({ ok: true, notYetIngested: cut });
      // ... past it they are missing, the first one named.
      const late = await f.witness(1);
      expect(late.firstDifference).toMatchObject({
        partition,
        kind: 'missing',
        offset: head.nextOffset,
      });
    } finally {
      await f.close();
    }
  });

  it('offsets moved: back below the digest, the digest names the chain; forward past records never ingested, the witness names the first', async () => {
    const f = await fixture({ ingestRest: false });
    const { chain, partition } = busyPartition();
    const head = f.digest.heads.find((h) => h.chain === chain)!;
    try {
      const attacker = await f.attacker();
      try {
        await attacker.run(`UPDATE ${attacker.offsets} SET next_offset = ? WHERE chain = ?`, [
          Number(head.nextOffset) - 2,
          chain,
        ]);
      } finally {
        await attacker.close();
      }
      expect((await f.verify()).ok).toBe(true);
      const checked = await f.verify(f.digest);
      expect(checked.digest?.failures).toEqual([
        expect.objectContaining({ chain, seq: null, problem: 'OFFSETS_MOVED' }),
      ]);

      const end = byPartition.get(partition)!.length;
      const forward = await f.attacker();
      try {
        // The service would now skip every record up to the end of the partition.
        await forward.run(`UPDATE ${forward.offsets} SET next_offset = ? WHERE chain = ?`, [
          end,
          chain,
        ]);
      } finally {
        await forward.close();
      }
      const witness = await f.witness();
      expect(witness.firstDifference).toMatchObject({
        partition,
        kind: 'missing',
        offset: head.nextOffset,
      });
    } finally {
      await f.close();
    }
  });
});
