/**
 * pnpm bench:audit — the audit service's ingest over the projector benchmark's topic, against the
 * projector's replay of the same topic in the same run, a raw kafkajs consumer and Kafka's own
 * ConsumerPerformance (the ceiling); then the time to verify the whole log it wrote. Not a test.
 *
 * The audit service runs as it is deployed: `node --import @tally/telemetry/register dist/main.js`
 * (`pnpm start`; the script builds first), as its own process, from an empty SQLite log to the
 * whole topic. Its rate (first entry to last), CPU per event and peak RSS (VmHWM) are of that
 * process alone. The projector's replay is apps/projector's own bench code (`projectorRate`).
 *
 * The topic is `bench.projector-replay.<BENCH_EVENTS>.<BENCH_ACCOUNTS>.v1`, the one the projector's
 * `bench:replay` preloads (1,000,000 events over 10,000 accounts); it is reused when it holds
 * exactly that many records, else preloaded the same way.
 * The service gets the NODE_OPTIONS its image is built with (infra/docker-compose.yml).
 * Env: BENCH_JAVA=0 skips ConsumerPerformance, BENCH_SKIP_PROJECTOR=1 the projector,
 * BENCH_AUDIT_PG=1 adds a run of the service on PostgreSQL, BENCH_EVIDENCE=1 times the readiness
 * counters and one Ed25519 digest over the whole log, BENCH_NODE_ARGS adds node flags to the
 * service (`--cpu-prof --cpu-prof-dir=…`, `--heap-prof`), BENCH_NODE_OPTIONS replaces its
 * NODE_OPTIONS (empty: V8's defaults), BENCH_AUDIT_LOG=<file> keeps the SQLite log there: a log
 * that already holds the whole topic is only verified (nothing else runs), BENCH_VERIFY_THREADS the
 * threads verification may use (default: the cores available).
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaFromEnv } from '@tally/kafka';
import {
  consumerPerformance,
  processCpuMs,
  processRss,
  rawReadRate,
  waitUntil,
} from '@tally/kafka/testing';
import { SqliteStore } from '@tally/projector';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, localAuthPaths, localStateDir } from '@tally/service';
import { benchTopicName, preloadBenchTopic } from '@tally/events/testing';
import { registryUrl, scratchDatabase, scrapeCounter, startServiceProcess } from '@tally/testing';
import { projectorRate } from '../../projector/bench/replay-rate.js';
import { DigestSigner } from '../src/digests.js';
import { PostgresAuditStore } from '../src/store/postgres.js';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import type { AuditStore } from '../src/store/types.js';
import type * as Verify from '../src/verify.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 10_000);
const topic = benchTopicName(EVENTS, ACCOUNTS);
const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const kafka = kafkaFromEnv(process.env, { clientId: 'bench-audit' });
const log = (line: string) => process.stderr.write(line);
const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
/** The V8 heap bounds the audit image is built with (infra/docker-compose.yml); BENCH_NODE_OPTIONS overrides. */
const nodeOptions =
  process.env['BENCH_NODE_OPTIONS'] ??
  /\n {2}audit:\n[\s\S]*?NODE_OPTIONS: (.+)\n/.exec(
    readFileSync(new URL('../../../infra/docker-compose.yml', import.meta.url), 'utf8'),
  )?.[1] ??
  '';
const MiB = 2 ** 20;
/**
 * Verification as the service and the CLI run it: the build (made before the bench starts), whose
 * worker threads load compiled JavaScript rather than TypeScript through tsx.
 */
const { verifyLog } = (await import(
  new URL('../dist/verify.js', import.meta.url).href
)) as typeof Verify;

interface ServiceRun {
  readonly rate: number;
  /** CPU of the service from its first entry to its last, per event (start-up excluded). */
  readonly cpuUsPerEvent: number;
  /** VmHWM: the process's peak resident memory over its whole life. */
  readonly peakRss: number;
  /** Resident memory once started, before its first entry. */
  readonly startRss: number;
  /** The same rate and CPU up to the report indexes built (SQLite builds them once caught up). */
  readonly readyRate: number;
  readonly readyCpuUsPerEvent: number;
}

/** The value of one readiness check on /readyz ('ok' once it passes). */
async function readinessCheck(url: string, name: string): Promise<unknown> {
  const response = await fetch(new URL('/readyz', url));
  const body = (await response.json()) as { checks?: Record<string, unknown> };
  return body.checks?.[name];
}

/** The audit service as its own process, from an empty log to the whole topic. */
async function auditService(name: string, storeEnv: Record<string, string>): Promise<ServiceRun> {
  const auth = localAuthPaths(localStateDir());
  const service = await startServiceProcess({
    appDir: new URL('..', import.meta.url),
    nodeArgs,
    env: {
      NODE_OPTIONS: nodeOptions,
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: registryUrl,
      TALLY_EVENTS_TOPIC: topic,
      AUDIT_INGEST_OUTCOMES: 'false',
      AUDIT_GROUP_ID: `bench-audit-${Date.now()}`,
      // Digests are off without a key; no scheduled witness check during the run.
      AUDIT_WITNESS_INTERVAL_MS: '0',
      AUTH_ISSUER: LOCAL_ISSUER,
      AUTH_AUDIENCE: LOCAL_AUDIENCE,
      AUTH_JWKS_FILE: auth.jwks,
      AUTH_CLIENT_AUDIENCE: LOCAL_AUDIENCE,
      AUTH_CLIENT_SIGNING_KEY_FILE: auth.signingKey,
      ...storeEnv,
    },
  });
  const { url, pid } = service;
  let first = { at: 0, entries: 0, cpuMs: 0 };
  let startRss = 0;
  try {
    await waitUntil(
      `the audit service (${name}) to log ${EVENTS} entries`,
      async () => {
        if (service.exitCode() !== null)
          throw new Error(`the audit service exited ${service.exitCode()}`);
        const entries = await scrapeCounter(url, 'tally_audit_log_entries_total');
        if (first.at === 0) {
          startRss = processRss(pid).rss;
          if (entries > 0) first = { at: performance.now(), entries, cpuMs: processCpuMs(pid) };
        }
        const secs = (performance.now() - first.at) / 1000;
        const rate = first.at && secs > 0 ? (entries - first.entries) / secs : 0;
        log(`\raudit service (${name}): ${entries}/${EVENTS}  ${Math.round(rate)} events/s   `);
        return entries >= EVENTS;
      },
      1_800_000,
      100,
    );
    const seconds = (performance.now() - first.at) / 1000;
    const rate = (EVENTS - first.entries) / seconds;
    const cpuUsPerEvent = ((processCpuMs(pid) - first.cpuMs) * 1000) / (EVENTS - first.entries);
    // The report indexes are built once the lag poll (every 5 s) sees the service caught up.
    await waitUntil(
      `the audit service (${name}) to build its report indexes`,
      async () => (await readinessCheck(url, 'report-indexes')) === 'ok',
      600_000,
      100,
    );
    const readySeconds = (performance.now() - first.at) / 1000;
    const readyRate = (EVENTS - first.entries) / readySeconds;
    const readyCpuUsPerEvent =
      ((processCpuMs(pid) - first.cpuMs) * 1000) / (EVENTS - first.entries);
    const peakRss = processRss(pid).peak;
    log(
      `\raudit service (${name}): ${Math.round(rate)} events/s, ${cpuUsPerEvent.toFixed(1)} µs CPU/event, peak RSS ${Math.round(peakRss / MiB)} MiB (${Math.round(startRss / MiB)} MiB at start); report indexes built ${(readySeconds - seconds).toFixed(1)} s after the last entry\n`,
    );
    return { rate, cpuUsPerEvent, peakRss, startRss, readyRate, readyCpuUsPerEvent };
  } finally {
    await service.stop();
  }
}

interface VerifyRun {
  readonly rate: number;
  /** Of the whole process: its worker threads included. */
  readonly cpuUsPerEntry: number;
  readonly peakRss: number;
}

/** BENCH_VERIFY_THREADS: the threads verification may use (default: verifyLog's). */
const verifyThreads = process.env['BENCH_VERIFY_THREADS'];

/** Verifies the whole log in this process: entries/s and CPU per entry. */
async function verifyRate(store: AuditStore): Promise<VerifyRun> {
  let peakRss = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const report = await verifyLog(store, {
    ...(verifyThreads ? { threads: Number(verifyThreads) } : {}),
    onProgress: (checked) => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      log(`\rverify: ${checked}/${EVENTS}   `);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (!report.ok || report.entries !== EVENTS) {
    throw new Error(
      `verify failed: ${JSON.stringify(report.firstFailure)} entries ${report.entries}`,
    );
  }
  const rate = EVENTS / seconds;
  const cpuUsPerEntry = (used.user + used.system) / EVENTS;
  log(
    `\rverify: ${EVENTS} entries in ${report.chains.length} chains, ${seconds.toFixed(1)} s, ${Math.round(rate)} entries/s, ${cpuUsPerEntry.toFixed(2)} µs CPU/entry\n`,
  );
  return { rate, cpuUsPerEntry, peakRss };
}

/** Mean ms of the counters /readyz reads, and of the full count it read before. */
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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const lines: string[] = [];
const verifyLine = (run: VerifyRun) =>
  `verify the whole log       ${fmt(run.rate)} entries/s (target ≥ 500,000), ${run.cpuUsPerEntry.toFixed(2)} µs CPU/entry, bench process peak RSS ${fmt(run.peakRss / MiB)} MiB (threads: ${verifyThreads ?? 'default'})`;

/** BENCH_AUDIT_LOG: a kept log that holds the whole topic is only verified. */
const keptLog = process.env['BENCH_AUDIT_LOG'];
if (keptLog && existsSync(keptLog)) {
  const kept = SqliteAuditStore.open(keptLog, { migrate: 'verify' });
  if ((await kept.counts()).entries === EVENTS) {
    const verified = await verifyRate(kept);
    await kept.close();
    process.stdout.write(`\nlog ${keptLog}: ${fmt(EVENTS)} entries\n${verifyLine(verified)}\n`);
    process.exit(0);
  }
  await kept.close();
  rmSync(keptLog, { force: true });
}

await preloadBenchTopic(kafka, EVENTS, ACCOUNTS);
const java =
  process.env['BENCH_JAVA'] === '0' ? undefined : await consumerPerformance(brokers, topic, EVENTS);
if (java) log(`Kafka ConsumerPerformance: ${fmt(java.recordsPerSecond)} records/s\n`);
const raw = await rawReadRate(kafka, topic, EVENTS, (read) => log(`\rraw kafkajs: ${read}   `));
log(`\rraw kafkajs consumer: ${fmt(raw)} events/s\n`);
// The raw rate counts from its first batch: a topic that fits in one fetch has none to show.
const ofRaw = (rate: number) =>
  Number.isFinite(raw) ? `${(rate / raw).toFixed(2)} × raw` : 'raw n/a';

let projector: number | undefined;
if (process.env['BENCH_SKIP_PROJECTOR'] !== '1') {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-projector-'));
  const store = SqliteStore.open(join(dir, 'model.sqlite'));
  try {
    projector = await projectorRate({ kafka, topic, events: EVENTS, name: 'sqlite', store, log });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
const path = keptLog ?? join(dir, 'audit.sqlite');
const service = await auditService('sqlite', { AUDIT_SQLITE_PATH: path });
const sqlite = SqliteAuditStore.open(path);
const verified = await verifyRate(sqlite);
const ratio = (rate: number, base: number | undefined) =>
  base === undefined ? '' : `, ${(rate / base).toFixed(2)} × projector`;
lines.push(
  `topic ${topic}: ${fmt(EVENTS)} events, ${fmt(ACCOUNTS)} accounts, 6 partitions`,
  `Kafka ConsumerPerformance  ${java ? `${fmt(java.recordsPerSecond)} records/s (fetch ${fmt(java.fetchRecordsPerSecond)}/s): the ceiling` : 'not run (BENCH_JAVA=0)'}`,
  `raw kafkajs consumer       ${Number.isFinite(raw) ? `${fmt(raw)} events/s` : 'n/a (the topic fits in one fetch)'}${java && Number.isFinite(raw) ? ` (${(raw / java.recordsPerSecond).toFixed(2)} × Java)` : ''}`,
  `projector replay → SQLite  ${projector === undefined ? 'skipped (BENCH_SKIP_PROJECTOR=1)' : `${fmt(projector)} events/s (${ofRaw(projector)}), in the bench process`}`,
  `audit service → SQLite     NODE_OPTIONS=${nodeOptions || '(none)'}: ${fmt(service.rate)} events/s (${ofRaw(service.rate)}${ratio(service.rate, projector)}; target ≥ 0.8 × projector), ${service.cpuUsPerEvent.toFixed(1)} µs CPU/event, peak RSS ${fmt(service.peakRss / MiB)} MiB (target ≤ 256 MB; ${fmt(service.startRss / MiB)} MiB at start)`,
  `  … to report indexes built ${fmt(service.readyRate)} events/s${ratio(service.readyRate, projector)} (the projector's figure includes its index build), ${service.readyCpuUsPerEvent.toFixed(1)} µs CPU/event`,
  verifyLine(verified),
);

if (process.env['BENCH_EVIDENCE'] === '1') {
  const counts = await countsTimes(sqlite);
  const started = performance.now();
  const signed = await new DigestSigner({
    store: sqlite,
    privateKey: generateKeyPairSync('ed25519').privateKey,
  }).sign();
  lines.push(
    `readiness counts           counters kept with the offsets ${counts.counters.toFixed(3)} ms, full COUNT(*) ${counts.full.toFixed(1)} ms (${fmt(counts.full / counts.counters)} times slower)`,
    `sign one Ed25519 digest    over the whole log (${fmt(signed.merkle.size)} entries): ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

if (process.env['BENCH_AUDIT_PG'] === '1') {
  const database = await scratchDatabase('audit_bench');
  try {
    const pg = await auditService('postgres', { DATABASE_URL: database.url });
    const store = await PostgresAuditStore.open(database.url);
    const pgVerified = await verifyRate(store).finally(() => store.close());
    lines.push(
      `audit service → PostgreSQL ${fmt(pg.rate)} events/s${ratio(pg.rate, projector)}, ${pg.cpuUsPerEvent.toFixed(1)} µs CPU/event, peak RSS ${fmt(pg.peakRss / MiB)} MiB`,
      `verify (PostgreSQL)        ${fmt(pgVerified.rate)} entries/s, ${pgVerified.cpuUsPerEntry.toFixed(2)} µs CPU/entry`,
    );
  } finally {
    await database.drop();
  }
}
process.stdout.write(`\n${lines.join('\n')}\n`);
process.exit(0);
