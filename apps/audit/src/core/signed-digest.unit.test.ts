import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { depositContent } from '../../test/entry-content.js';
import { chainEntries, GENESIS_HASH, hashEntry, type ChainedEntry } from './chain.js';
import type { AccountEvent } from '@tally/ledger';
import { buildInclusionProof, lineClaimOf, verifyInclusionProof } from './inclusion.js';
import {
  checkDigestSuccession,
  DigestChecker,
  DigestKeyError,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
  nextPeriod,
  parseDigest,
  signEd25519Digest,
  verifyDigestSignature,
  type SignedDigest,
} from './signed-digest.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const TOPIC = 'bank.account-events.v1';

const content = (partition: number, offset: number, version: number) =>
  depositContent({
    topic: TOPIC,
    partition,
    offset,
    accountId: `acc-${partition}`,
    version,
    amount: 100 * version,
  });

/** Three partitions; offsets advance by 2 (transaction markers take the odd ones). */
class Log {
  readonly chains = new Map<number, ChainedEntry[]>();
  append(partition: number, n: number): void {
    const list = this.chains.get(partition) ?? [];
    const head = list.at(-1) ?? { seq: 0, hash: GENESIS_HASH };
    const start = list.length;
    const { entries } = chainEntries(
      { chain: `${TOPIC}/${partition}`, seq: head.seq, hash: head.hash },
      Array.from({ length: n }, (_, i) => content(partition, (start + i) * 2, start + i + 1)),
    );
    this.chains.set(partition, [...list, ...entries]);
  }
  heads() {
    return [...this.chains.entries()].map(([partition, list]) => ({
      chain: `${TOPIC}/${partition}`,
      topic: TOPIC,
      partition,
      seq: list.length,
      hash: list.at(-1)!.hash,
      nextOffset: String(Number(list.at(-1)!.offset) + 2),
    }));
  }
  entriesOf(chain: string): ChainedEntry[] {
    return this.chains.get(Number(chain.split('/').at(-1)))!;
  }
  sign(previous: SignedDigest | undefined, createdAt: number, key = privateKey): SignedDigest {
    const { heads, slices } = nextPeriod(this.heads(), previous);
    const period = slices.flatMap((s) => this.entriesOf(s.chain).slice(s.fromSeq, s.seq));
    return signEd25519Digest({ heads, previous, createdAt }, period, key);
  }
  check(digest: SignedDigest, offsets = this.heads()) {
    const checker = new DigestChecker(digest);
    for (const head of digest.heads)
      for (const entry of this.entriesOf(head.chain)) checker.push(entry);
    checker.checkOffsets(offsets);
    return checker.result();
  }
}

function twoDigests() {
  const log = new Log();
  log.append(0, 5);
  log.append(1, 3);
  log.append(2, 7);
  const first = log.sign(undefined, 1_000);
  log.append(0, 4);
  log.append(2, 2);
  const second = log.sign(first, 2_000);
  return { log, first, second };
}

describe('Ed25519 digests', () => {
  const { log, first, second } = twoDigests();

  it('cover every head, the offsets and the period, and verify with the public key alone', () => {
    expect(second).toMatchObject({
      sequence: 2,
      entries: 21,
      merkle: { size: 6 },
      periodStart: 1_000,
      keyId: keyIdOf(publicKey),
    });
    expect(second.heads.map((h) => [h.chain, h.fromSeq, h.seq, h.nextOffset])).toEqual([
      [`${TOPIC}/0`, 5, 9, '18'],
      [`${TOPIC}/1`, 3, 3, '6'],
      [`${TOPIC}/2`, 7, 9, '18'],
    ]);
    const exported = JSON.parse(JSON.stringify(second));
    const parsed = parseDigest(exported);
    expect(parsed.ok).toBe(true);
    expect(verifyDigestSignature(exported, publicKey)).toEqual([]);
    expect(checkDigestSuccession(first, second)).toEqual([]);
    expect(log.check(first)).toEqual({ ok: true, failures: [] });
    expect(log.check(second)).toEqual({ ok: true, failures: [] });
  });

  it('names what does not match: a changed field, another key', () => {
    const changed = {
      ...second,
      heads: second.heads.map((h, i) => (i === 0 ? { ...h, seq: 8 } : h)),
    };
    expect(verifyDigestSignature(changed, publicKey)).toEqual([
      { at: 'signature', problem: expect.stringContaining('changed after signing') },
    ]);
    expect(verifyDigestSignature(second, other.publicKey).map((p) => p.at)).toEqual([
      'keyId',
      'signature',
    ]);
    const forged = log.sign(first, 2_000, other.privateKey);
    expect(verifyDigestSignature(forged, publicKey).map((p) => p.at)).toEqual([
      'keyId',
      'signature',
    ]);
  });

  it('checks that digests follow each other', () => {
    const { first: unrelated } = twoDigests();
    const skipped = { ...second, sequence: 3 };
    expect(checkDigestSuccession(first, skipped).map((p) => p.at)).toContain('sequence');
    const moved = { ...second, heads: second.heads.map((h) => ({ ...h, nextOffset: '2' })) };
    expect(checkDigestSuccession(first, moved).map((p) => p.at)).toEqual([
      'heads[0].nextOffset',
      'heads[1].nextOffset',
      'heads[2].nextOffset',
    ]);
    expect(checkDigestSuccession(unrelated, second)).toEqual([]); // same content, same hash
  });

  it('refuses malformed digests, naming the field; reads the old HMAC digests as such', () => {
    for (const bad of [
      null,
      42,
      'digest',
      [],
      {},
      { ...second, sequence: -1 },
      { ...second, heads: 'x' },
      { ...second, extra: 1 },
    ]) {
      expect(parseDigest(bad).ok).toBe(false);
    }
    const problems = parseDigest({
      ...second,
      heads: [{ ...second.heads[0], hash: 'zz' }, ...second.heads.slice(1)],
    });
    expect(!problems.ok && problems.problems).toEqual([
      { at: 'heads[0].hash', problem: 'must be 64 lowercase hex digits' },
    ]);
    const inconsistent = parseDigest({ ...second, merkle: { ...second.merkle, size: 7 } });
    expect(!inconsistent.ok && inconsistent.problems.map((p) => p.at)).toEqual(['merkle.size']);
  });

  it('loads PEM keys and refuses keys of another type', () => {
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(keyIdOf(loadPrivateKey(pem))).toBe(keyIdOf(loadPublicKey(pub)));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() =>
      loadPrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    ).toThrow(DigestKeyError);
    expect(() => loadPublicKey('not a key')).toThrow(DigestKeyError);
  });

  it('refuses to sign entries that are not the period', () => {
    const fresh = new Log();
    fresh.append(0, 3);
    const { heads } = nextPeriod(fresh.heads(), undefined);
    const entries = fresh.entriesOf(`${TOPIC}/0`);
    expect(() =>
      signEd25519Digest(
        { heads, previous: undefined, createdAt: 1 },
        entries.slice(0, 2),
        privateKey,
      ),
    ).toThrow(/end before/);
    expect(() =>
      signEd25519Digest(
        { heads, previous: undefined, createdAt: 1 },
        [entries[1]!, entries[0]!, entries[2]!],
        privateKey,
      ),
    ).toThrow(/not the expected/);
  });
});

describe('a log checked against a signed digest', () => {
  it('catches a recomputed chain at the signed head, within the period', () => {
    const { log, second } = twoDigests();
    const chain = log.entriesOf(`${TOPIC}/0`);
    // A DBA changes entry 7's amount and recomputes every later hash and link.
    const edited = chainEntries(
      { chain: `${TOPIC}/0`, seq: 6, hash: chain[5]!.hash },
      chain.slice(6).map((e, i) => (i === 0 ? { ...e, amount: 1 } : e)),
    );
    chain.splice(6, chain.length - 6, ...edited.entries);
    expect(log.check(second).failures).toEqual([
      expect.objectContaining({
        chain: `${TOPIC}/0`,
        seq: 9,
        problem: 'HEAD_CHANGED',
        detail: expect.stringContaining('after entry 5'),
      }),
    ]);
  });

  it('catches a cut tail, moved offsets and a record ingested again', () => {
    const { log, first, second } = twoDigests();
    // The DBA cuts entry 9 of chain 2 and sets the stored offset back to match.
    log.entriesOf(`${TOPIC}/2`).splice(8);
    expect(log.check(second).failures).toEqual([
      expect.objectContaining({ chain: `${TOPIC}/2`, problem: 'OFFSETS_MOVED' }),
      expect.objectContaining({ chain: `${TOPIC}/2`, seq: 9, problem: 'TRUNCATED' }),
    ]);
    const again = twoDigests();
    const moved = again.log.heads().map((h) => (h.partition === 1 ? { ...h, nextOffset: '2' } : h));
    expect(again.log.check(again.first, moved).failures).toEqual([
      expect.objectContaining({ chain: `${TOPIC}/1`, problem: 'OFFSETS_MOVED' }),
    ]);
    // Partition 0 re-ingested from offset 4 after the first digest: entry 6 has offset 4.
    const replay = twoDigests();
    const p0 = replay.log.entriesOf(`${TOPIC}/0`);
    const replayed = chainEntries({ chain: `${TOPIC}/0`, seq: 5, hash: p0[4]!.hash }, [
      content(0, 4, 3),
    ]);
    p0.splice(5, p0.length - 5, ...replayed.entries);
    expect(replay.log.check(first).failures).toEqual([
      expect.objectContaining({ chain: `${TOPIC}/0`, seq: 6, problem: 'OFFSETS_MOVED' }),
      expect.objectContaining({ chain: `${TOPIC}/0`, seq: null, problem: 'OFFSETS_MOVED' }),
    ]);
    expect(second.sequence).toBe(2);
  });
});

describe('inclusion proofs', () => {
  const { log, second } = twoDigests();
  const { slices } = nextPeriod(
    second.heads.map((h) => ({ ...h })),
    undefined,
  );
  const period = second.heads.flatMap((h) => log.entriesOf(h.chain).slice(h.fromSeq, h.seq));
  const entry = log.entriesOf(`${TOPIC}/2`)[7]!; // seq 8, in the second period
  const line = lineClaimOf(JSON.parse(entry.payload!) as AccountEvent);

  it('proves one statement line with the digest and the public key alone', () => {
    expect(slices.length).toBe(3);
    const proof = buildInclusionProof(second, period, entry.chain, entry.seq);
    expect(proof.path.length).toBeLessThanOrEqual(3);
    const shipped = JSON.parse(JSON.stringify(proof));
    expect(verifyInclusionProof(shipped, second, publicKey, line)).toEqual({
      ok: true,
      problems: [],
    });
  });

  it('fails for an altered entry, an altered line, and another digest', () => {
    const proof = buildInclusionProof(second, period, entry.chain, entry.seq);
    const altered = { ...proof.entry, amount: 999 };
    const withHash = { ...altered, hash: hashEntry(altered) };
    expect(
      verifyInclusionProof({ ...proof, entry: altered }, second, publicKey).problems.map(
        (p) => p.at,
      ),
    ).toEqual(['entry', 'proof.path']);
    expect(
      verifyInclusionProof({ ...proof, entry: withHash }, second, publicKey).problems.map(
        (p) => p.at,
      ),
    ).toEqual(['proof.path']);
    expect(
      verifyInclusionProof(proof, second, publicKey, { ...line, amount: line.amount + 1n })
        .problems,
    ).toEqual([{ at: 'line.amount', problem: expect.stringContaining('the statement says') }]);
    const { second: elsewhere } = twoDigests();
    const otherLog = { ...elsewhere, merkle: { ...elsewhere.merkle, root: 'f'.repeat(64) } };
    expect(verifyInclusionProof(proof, otherLog, publicKey).ok).toBe(false);
    expect(() => buildInclusionProof(second, period, entry.chain, 2)).toThrow(/not in the period/);
  });
});
