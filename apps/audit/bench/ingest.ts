/**
 * pnpm bench:audit — ingest rate of the audit log (decode, canonical JSON, SHA-256 chain, SQLite
 * transaction with the offsets) over the projector benchmark's topic, the projector's replay rate
 * into SQLite over the same topic in the same run, their ratio, and the time to verify the whole
 * log. Not a test.
 *
 * The topic is `bench.projector-replay.<BENCH_EVENTS>.<BENCH_ACCOUNTS>.v1`, the one apps/projector's
 * `bench:replay` preloads (1,000,000 events over 10,000 accounts); it is reused when it holds
 * exactly that many records, else preloaded the same way. BENCH_SKIP_PROJECTOR=1 skips the
 * projector; BENCH_AUDIT_PG=1 also measures the PostgreSQL audit store.
 *
 * Over the same SQLite log it also times what /readyz reads (the counters kept with the offsets)
 * against the full COUNT(*) it replaced, and signing one Ed25519 digest over the whole log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { AccountEventSerde } from '@tally/events';
import { kafkaFromEnv, ReadModelService, type ReadModelEvent } from '@tally/kafka';
import { balancesReadModel, SqliteStore } from '@tally/projector';
import { benchTopicName, preloadBenchTopic } from '@tally/events/testing';
import { registryUrl, scratchDatabase } from '@tally/testing';
import { DigestSigner } from '../src/digests.js';
import { AuditIngestor } from '../src/ingest.js';
import { PostgresAuditStore } from '../src/store/postgres.js';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import type { AuditStore } from '../src/store/types.js';
import { verifyLog } from '../src/verify.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 10_000);
// The service's default (AUDIT_MAX_BYTES_PER_PARTITION). With 8 MiB per partition, one batch of
// six partitions outlasted the 30 s session on a machine at load 25: the broker removed the
// consumer from its group, it rejoined and was removed again, and the run stalled.
const FETCH_BYTES = Number(process.env['BENCH_FETCH_BYTES'] ?? 1 << 20);
const topic = benchTopicName(EVENTS, ACCOUNTS);
const kafka = kafkaFromEnv(process.env, { clientId: 'bench-audit' });
const admin = kafka.admin();
const log = (line: string) => process.stderr.write(line);

/** Runs a partition consumer over the whole topic; resolves with events/s once EVENTS are applied. */
async function consumeAll(
  name: string,
  make: (onEvent: (e: ReadModelEvent) => void) => {
    start(): Promise<void>;
    stop(): Promise<void>;
  },
): Promise<number> {
  let applied = 0;
  let started = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const runner = make((e) => {
    if (e.type === 'halted')
      log(`\n${name}: partition ${e.partition} halted: ${e.reason} ${e.detail}\n`);
    if (e.type !== 'applied') return;
    if (started === 0) started = performance.now() - e.ms;
    applied += e.applied;
    if (applied >= EVENTS) resolveDone();
  });
  const progress = setInterval(() => {
    const secs = (performance.now() - started) / 1000;
    const rate = started ? applied / secs : 0;
    log(
      `\r${name}: ${applied}/${EVENTS}  ${Math.round(rate)} events/s  ETA ${rate ? Math.ceil((EVENTS - applied) / rate) : '?'} s   `,
    );
  }, 1000);
  const cpu = process.cpuUsage();
  await runner.start();
  await done;
  const rate = EVENTS / ((performance.now() - started) / 1000);
  const used = process.cpuUsage(cpu);
  clearInterval(progress);
  await runner.stop();
  // CPU time of this process per event: less sensitive than the rate to other load on the machine.
  const us = (used.user + used.system) / EVENTS;
  log(
    `\r${name}: ${Math.round(rate)} events/s, ${us.toFixed(1)} µs CPU/event (this process)          \n`,
  );
  return rate;
}

async function auditRate(name: string, store: AuditStore): Promise<number> {
  const serde = await AccountEventSerde.connect({ registryUrl, topic });
  const ingestor = AuditIngestor.events(store, serde);
  return consumeAll(
    name,
    (onEvent) =>
      new ReadModelService({
        kafka,
        sources: [{ topic, groupId: `bench-audit-${Date.now()}`, store: ingestor }],
        maxBytesPerPartition: FETCH_BYTES,
        pollMs: 60_000,
        onEvent,
      }),
  );
}

async function verifyTime(store: AuditStore): Promise<number> {
  const started = performance.now();
  const report = await verifyLog(store, {
    onProgress: (checked) => {
      if (checked % 100_000 < 5_000) log(`\rverify: ${checked}/${EVENTS}   `);
    },
  });
  const ms = performance.now() - started;
  if (!report.ok || report.entries !== EVENTS) {
    throw new Error(
      `verify failed: ${JSON.stringify(report.firstFailure)} entries ${report.entries}`,
    );
  }
  log(
    `\rverify: ${report.entries} entries in ${report.chains.length} chains, ${(ms / 1000).toFixed(1)} s\n`,
  );
  return ms;
}

/** Mean ms of the counters /readyz reads now, and of the full count it read before. */
async function countsTimes(store: SqliteAuditStore): Promise<{ counters: number; full: number }> {
  const mean = async (run: () => unknown, times: number) => {
    const started = performance.now();
    for (let i = 0; i < times; i++) await run();
    return (performance.now() - started) / times;
  };
  const full = store.db.prepare(
    `SELECT count(*) AS entries, coalesce(sum(kind = 'anomaly'), 0) AS anomalies,
       coalesce(sum(kind = 'event'), 0) AS events FROM audit_entries`,
  );
  const counted = full.get() as { entries: number };
  const kept = await store.counts();
  if (kept.entries !== counted.entries) {
    throw new Error(`counters say ${kept.entries} entries, COUNT(*) ${counted.entries}`);
  }
  return { counters: await mean(() => store.counts(), 200), full: await mean(() => full.get(), 5) };
}

async function projectorRate(): Promise<number | undefined> {
  if (process.env['BENCH_SKIP_PROJECTOR'] === '1') return undefined;
  // The projector's own read model (@tally/projector), as its bench:replay drives it.
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-projector-'));
  const store = SqliteStore.open(join(dir, 'model.sqlite'));
  const serde = await AccountEventSerde.connect({ registryUrl, topic });
  try {
    return await consumeAll('projector replay (sqlite)', (onEvent) => {
      const projector = balancesReadModel({
        kafka,
        topic,
        serde,
        store,
        groupId: `bench-projector-${Date.now()}`,
        pollMs: 60_000,
        onEvent,
      });
      return projector;
    });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await admin.connect();
await preloadBenchTopic(kafka, EVENTS, ACCOUNTS);
const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
const sqlite = SqliteAuditStore.open(join(dir, 'audit.sqlite'));
const auditSqlite = await auditRate('audit ingest (sqlite)', sqlite);
const verifySqliteMs = await verifyTime(sqlite);
const counts = await countsTimes(sqlite);
const signStarted = performance.now();
const signed = await new DigestSigner({
  store: sqlite,
  privateKey: generateKeyPairSync('ed25519').privateKey,
}).sign();
const signMs = performance.now() - signStarted;
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

let auditPg: number | undefined;
let verifyPgMs: number | undefined;
if (process.env['BENCH_AUDIT_PG'] === '1') {
  const database = await scratchDatabase('audit_bench');
  const store = await PostgresAuditStore.open(database.url);
  try {
    auditPg = await auditRate('audit ingest (postgres)', store);
    verifyPgMs = await verifyTime(store);
  } finally {
    await store.close();
    await database.drop();
  }
}

const projector = await projectorRate();
await admin.disconnect();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const lines = [
  `topic ${topic}: ${fmt(EVENTS)} events, ${fmt(ACCOUNTS)} accounts, 6 partitions`,
  `audit ingest, SQLite (decode + canonical JSON + SHA-256 chain + one transaction per batch): ${fmt(auditSqlite)} events/s`,
  `verify the whole log (SQLite): ${(verifySqliteMs / 1000).toFixed(1)} s (${fmt(EVENTS / (verifySqliteMs / 1000))} entries/s)`,
  `readiness counts: counters kept with the offsets ${counts.counters.toFixed(3)} ms, full COUNT(*) ${counts.full.toFixed(1)} ms (${fmt(counts.full / counts.counters)} times slower)`,
  `sign one Ed25519 digest over the whole log (${fmt(signed.merkle.size)} entries): ${(signMs / 1000).toFixed(1)} s`,
  ...(auditPg === undefined
    ? []
    : [
        `audit ingest, PostgreSQL: ${fmt(auditPg)} events/s`,
        `verify the whole log (PostgreSQL): ${((verifyPgMs ?? 0) / 1000).toFixed(1)} s`,
      ]),
  ...(projector === undefined
    ? []
    : [
        `projector replay, SQLite: ${fmt(projector)} events/s`,
        `ratio audit / projector: ${(auditSqlite / projector).toFixed(2)}`,
      ]),
];
process.stdout.write(`\n${lines.join('\n')}\n`);
process.exit(0);
