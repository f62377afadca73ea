/**
 * pnpm --filter @tally/audit bench:core — the pure cores of issue 13 over synthetic entries, each
 * as a rate, CPU time per entry and the ratio of that CPU time to recomputing the hash chain (ChainVerifier, the baseline that
 * `/audit/verify` runs), in the same run. Needs no stack. Not a test.
 *
 * BENCH_CORE_ENTRIES (default 200,000) entries over 4 chains, each with ~300 bytes of raw value
 * and a canonical payload, like the audit's real entries.
 */
import { chainEntries, ChainVerifier, GENESIS_HASH, type ChainedEntry } from '../src/core/chain.js';
import { buildInclusionProof, verifyInclusionProof } from '../src/core/inclusion.js';
import { entryLeafHash, MerkleRootBuilder } from '../src/core/merkle.js';
import { foldAuditedAccount } from '../src/core/reconcile.js';
import { DigestChecker, nextPeriod, signEd25519Digest } from '../src/core/signed-digest.js';
import {
  derivedFields,
  recordOfEntry,
  recordOfKafka,
  witnessPartition,
} from '../src/core/witness.js';
import { generateKeyPairSync } from 'node:crypto';
import { depositContent } from '../test/entry-content.js';
import type { AccountEvent } from '@tally/ledger';

const N = Number(process.env['BENCH_CORE_ENTRIES'] ?? 200_000);
const CHAINS = 4;
const TOPIC = 'bench.audit-core.v1';

const content = (partition: number, i: number) =>
  depositContent({
    topic: TOPIC,
    partition,
    offset: i * 2,
    accountId: `acc-${partition}-${i % 500}`,
    version: Math.floor(i / 500) + 2,
    amount: 100 + (i % 1000),
    raw: Buffer.alloc(300, i % 251).toString('base64'),
  });

const chains: ChainedEntry[][] = Array.from(
  { length: CHAINS },
  (_, p) =>
    chainEntries(
      { chain: `${TOPIC}/${p}`, seq: 0, hash: GENESIS_HASH },
      Array.from({ length: N / CHAINS }, (_, i) => content(p, i)),
    ).entries,
);
const all = chains.flat();

function measure(name: string, count: number, run: () => unknown): number {
  const started = performance.now();
  const cpu = process.cpuUsage();
  run();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const rate = count / seconds;
  const cpuPerEntry = (used.user + used.system) / count;
  process.stdout.write(
    `${name.padEnd(44)} ${Math.round(rate).toLocaleString('en')} entries/s, ${cpuPerEntry.toFixed(2)} µs CPU/entry\n`,
  );
  return cpuPerEntry;
}

async function measureAsync(
  name: string,
  count: number,
  run: () => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  const rate = count / ((performance.now() - started) / 1000);
  const cpuPerEntry = (used.user + used.system) / count;
  process.stdout.write(
    `${name.padEnd(44)} ${Math.round(rate).toLocaleString('en')} entries/s, ${cpuPerEntry.toFixed(2)} µs CPU/entry\n`,
  );
  return cpuPerEntry;
}

async function main(): Promise<void> {
  process.stdout.write(`${N.toLocaleString('en')} entries over ${CHAINS} chains\n`);
  const baseline = measure('chain verify (baseline, ChainVerifier)', N, () => {
    for (const list of chains) {
      const verifier = new ChainVerifier(list[0]!.chain);
      for (const entry of list) verifier.push(entry);
      if (!verifier.result().ok) throw new Error('chain does not verify');
    }
  });
  const rates: [string, number][] = [];
  rates.push([
    'Merkle leaves + streaming root',
    measure('Merkle leaves + streaming root', N, () => {
      const tree = new MerkleRootBuilder();
      for (const entry of all) tree.push(entryLeafHash(entry));
      return tree.root();
    }),
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const heads = chains.map((list, p) => ({
    chain: list[0]!.chain,
    topic: TOPIC,
    partition: p,
    seq: list.length,
    hash: list.at(-1)!.hash,
    nextOffset: String(Number(list.at(-1)!.offset) + 2),
  }));
  const period = nextPeriod(heads, undefined);
  let digest!: ReturnType<typeof signEd25519Digest>;
  rates.push([
    'sign a digest over the period',
    measure('sign a digest over the period', N, () => {
      digest = signEd25519Digest(
        { heads: period.heads, previous: undefined, createdAt: 1 },
        all,
        privateKey,
      );
    }),
  ]);
  rates.push([
    'check the log against the digest',
    measure('check the log against the digest', N, () => {
      const checker = new DigestChecker(digest);
      for (const entry of all) checker.push(entry);
      if (!checker.result().ok) throw new Error('digest check failed');
    }),
  ]);
  let proofMs = 0;
  let verifyMs = 0;
  {
    const cpu = process.cpuUsage();
    const proof = buildInclusionProof(digest, all, chains[2]![0]!.chain, 1234);
    proofMs = process.cpuUsage(cpu).user / 1000;
    const v = process.cpuUsage();
    if (!verifyInclusionProof(proof, digest, publicKey).ok)
      throw new Error('proof does not verify');
    verifyMs = process.cpuUsage(v).user / 1000;
    process.stdout.write(
      `${'inclusion proof: build / verify (CPU)'.padEnd(44)} ${proofMs.toFixed(0)} ms (hashes all ${N.toLocaleString('en')} leaves) / ${verifyMs.toFixed(2)} ms, ${proof.path.length} hashes\n`,
    );
  }
  const kafka = chains[0]!.map((e) =>
    recordOfKafka(
      {
        offset: e.offset,
        key: Buffer.from(e.key!),
        value: Buffer.from(e.raw!, 'base64'),
        timestamp: e.kafkaTimestamp,
      },
      derivedFields(e),
    ),
  );
  const logged = chains[0]!.map((e) => recordOfEntry(e, true));
  rates.push([
    'witness: compare prepared records',
    await measureAsync('witness: compare prepared records', logged.length, async () => {
      const result = await witnessPartition(TOPIC, 0, logged, kafka, { mustHoldBelow: '0' });
      if (!result.ok) throw new Error('witness failed');
    }),
  ]);
  rates.push([
    'witness: records from entries (hash, derive)',
    measure('witness: records from entries (hash, derive)', logged.length, () => {
      for (const e of chains[0]!) recordOfEntry(e, true);
    }),
  ]);
  const events = all.map((e) => JSON.parse(e.payload!) as AccountEvent);
  const byAccount = new Map<string, AccountEvent[]>();
  for (const event of events) {
    const list = byAccount.get(event.accountId) ?? [];
    list.push(event);
    byAccount.set(event.accountId, list);
  }
  rates.push([
    'reconciliation fold per account',
    measure('reconciliation fold per account', N, () => {
      for (const [id, list] of byAccount) foldAuditedAccount(id, list);
    }),
  ]);
  // CPU time per entry: the machine's other load moves wall-clock rates far more.
  process.stdout.write('\nCPU per entry relative to chain verify (lower is cheaper):\n');
  for (const [name, cpu] of rates)
    process.stdout.write(`  ${name.padEnd(44)} ${(cpu / baseline).toFixed(2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
