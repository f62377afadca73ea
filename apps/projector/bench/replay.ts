/**
 * pnpm bench:replay — replay rate of the projector into SQLite and PostgreSQL against a raw kafkajs
 * consumer reading the same topic (no decoding, no storing), with Kafka's own ConsumerPerformance
 * as the ceiling. Then the projector service itself (dist/main.js with the image's V8 flags, as
 * the image runs it; the root script builds it first) replays the topic into each store: its rate, CPU per event
 * and peak RSS (VmHWM) are of that process alone. Not a test.
 * Preloads BENCH_EVENTS (1,000,000) events over BENCH_ACCOUNTS (10,000) accounts into a fixed topic,
 * reused when it already holds exactly that many records.
 * Env: BENCH_STORES (sqlite,postgres), BENCH_SERVICE (1; 0 skips the service runs), BENCH_INPROCESS
 * (1; 0 skips the in-process runs), BENCH_JAVA (1; 0 skips ConsumerPerformance), BENCH_NODE_ARGS
 * (node flags of the service), BENCH_NODE_OPTIONS (replaces the image's V8 flags).
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
import { LOCAL_AUDIENCE, LOCAL_ISSUER, localAuthPaths, localStateDir } from '@tally/service';
import { benchTopicName, preloadBenchTopic } from '@tally/events/testing';
import { registryUrl, scrapeCounter, startServiceProcess } from '@tally/testing';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { pgDatabase } from '../test/support.js';
import { projectorRate } from './replay-rate.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 10_000);
const topic = benchTopicName(EVENTS, ACCOUNTS);
const kafka = kafkaFromEnv(process.env, { clientId: 'bench' });
const admin = kafka.admin();
const log = (line: string) => process.stderr.write(line);

let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

/** CPU per event of the raw consumer (this process does nothing else meanwhile). */
let rawCpuUs = NaN;

async function rawRate(): Promise<number> {
  const cpu = process.cpuUsage();
  const rate = await rawReadRate(kafka, topic, EVENTS, (read) =>
    log(`\rraw kafkajs: ${read}/${EVENTS}   `),
  );
  const used = process.cpuUsage(cpu);
  rawCpuUs = (used.user + used.system) / EVENTS;
  log(
    `\rraw kafkajs consumer: ${Math.round(rate)} events/s, ${rawCpuUs.toFixed(1)} µs CPU/event\n`,
  );
  return rate;
}

/** Extra node flags for the service runs (BENCH_NODE_ARGS, space-separated), e.g. a heap profile. */
const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
/** The V8 flags the projector's image is deployed with (infra/docker-compose.yml), unless given. */
const serviceNodeOptions =
  process.env['BENCH_NODE_OPTIONS'] ?? '--max-old-space-size=128 --max-semi-space-size=16';

interface ServiceRun {
  readonly rate: number;
  readonly cpuUsPerEvent: number;
  /** VmHWM: the process's peak resident memory over the whole run. */
  readonly peakRss: number;
  /** Resident memory at the last sample before its first applied batch (may hold the first fetch). */
  readonly startRss: number;
  /** Peak until every event was applied (before the query indexes are built). */
  readonly replayRss: number;
}

/**
 * The projector service as its own process, from an empty store to the whole topic: rate from its
 * first applied batch to the last, its CPU per event and its peak RSS (VmHWM, /proc).
 */
async function serviceRate(name: string, storeEnv: Record<string, string>): Promise<ServiceRun> {
  const service = await startServiceProcess({
    appDir: new URL('..', import.meta.url),
    nodeArgs,
    env: {
      NODE_OPTIONS: serviceNodeOptions,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: registryUrl,
      TALLY_EVENTS_TOPIC: topic,
      PROJECTOR_GROUP_ID: `bench-service-${name}-${Date.now()}`,
      AUTH_ISSUER: LOCAL_ISSUER,
      AUTH_AUDIENCE: LOCAL_AUDIENCE,
      AUTH_JWKS_FILE: localAuthPaths(localStateDir()).jwks,
      // Tuning under test (e.g. PROJECTOR_MAX_BYTES_PER_PARTITION) reaches the service.
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          (entry): entry is [string, string] =>
            entry[0].startsWith('PROJECTOR_') && entry[1] !== undefined,
        ),
      ),
      ...storeEnv,
    },
  });
  const { url, pid } = service;
  let applied = 0;
  let firstAt = 0;
  let firstApplied = 0;
  let peak = 0;
  let startRss = 0;
  let replayRss = 0;
  let allApplied = false;
  try {
    await waitUntil(
      `the ${name} service to apply ${EVENTS} events`,
      async () => {
        if (service.exitCode() !== null)
          throw new Error(`the ${name} service exited ${service.exitCode()}`);
        const memory = processRss(pid);
        peak = Math.max(peak, memory.peak || 0);
        // 0 also while /metrics does not answer (SQLite builds the indexes on the event loop).
        applied = await scrapeCounter(url, 'tally_events_applied_total');
        if (firstAt === 0) startRss = memory.rss;
        // Peak until every event is applied, before the query indexes are built.
        if (applied >= EVENTS) allApplied = true;
        if (!allApplied) replayRss = peak;
        if (applied > 0 && firstAt === 0) [firstAt, firstApplied] = [Date.now(), applied];
        const secs = (Date.now() - firstAt) / 1000;
        const rate = firstAt && secs > 0 ? (applied - firstApplied) / secs : 0;
        log(`\r${name} service: ${applied}/${EVENTS}  ${Math.round(rate)} events/s   `);
        // Done when all is applied and the service is ready (its query index built).
        return (
          allApplied &&
          (await fetch(`${url}/readyz`).then(
            (r) => r.ok,
            () => false,
          ))
        );
      },
      900_000,
      200,
    );
    const rate = (EVENTS - firstApplied) / ((Date.now() - firstAt) / 1000);
    const cpuUsPerEvent = (processCpuMs(pid) * 1000) / EVENTS;
    peak = Math.max(peak, processRss(pid).peak || 0);
    log(
      `\rprojector service → ${name}: ${Math.round(rate)} events/s, ${cpuUsPerEvent.toFixed(1)} µs CPU/event (start-up included), peak RSS ${Math.round(peak / 2 ** 20)} MiB\n`,
    );
    log(
      `  RSS before the first batch ${Math.round(startRss / 2 ** 20)} MiB, peak while replaying ${Math.round(replayRss / 2 ** 20)} MiB, peak with the index build ${Math.round(peak / 2 ** 20)} MiB\n`,
    );
    return { rate, cpuUsPerEvent, peakRss: peak, startRss, replayRss };
  } finally {
    await service.stop();
  }
}

/** BENCH_STORES=sqlite (or postgres) measures one store only (profiling); default both. */
const stores = (process.env['BENCH_STORES'] ?? 'sqlite,postgres').split(',');
const withService = process.env['BENCH_SERVICE'] !== '0';
const inProcess = process.env['BENCH_INPROCESS'] !== '0';
await admin.connect();
await preloadBenchTopic(kafka, EVENTS, ACCOUNTS);
const java =
  process.env['BENCH_JAVA'] === '0'
    ? undefined
    : await consumerPerformance(process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092', topic, EVENTS);
if (java) log(`Kafka ConsumerPerformance: ${Math.round(java.recordsPerSecond)} records/s\n`);
const raw = await rawRate();
let sqliteRate = NaN;
if (inProcess && stores.includes('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const sqlite = SqliteStore.open(join(dir, 'model.sqlite'));
  sqliteRate = await projectorRate({
    kafka,
    topic,
    events: EVENTS,
    name: 'sqlite',
    store: sqlite,
    log,
  });
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}
let pgRate = NaN;
if (inProcess && stores.includes('postgres')) {
  const db = await pgDatabase();
  const postgres = await PostgresStore.open(db.url);
  pgRate = await projectorRate({
    kafka,
    topic,
    events: EVENTS,
    name: 'postgres',
    store: postgres,
    log,
  });
  await postgres.close();
  await db.drop();
}
const services = new Map<string, ServiceRun>();
if (withService && stores.includes('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-service-'));
  services.set(
    'sqlite',
    await serviceRate('sqlite', { PROJECTOR_SQLITE_PATH: join(dir, 'model.sqlite') }),
  );
  rmSync(dir, { recursive: true, force: true });
}
if (withService && stores.includes('postgres')) {
  const db = await pgDatabase();
  services.set('postgres', await serviceRate('postgres', { DATABASE_URL: db.url }));
  await db.drop();
}
await admin.disconnect();
clearInterval(rssTimer);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const storeLine = (rate: number, note = '') =>
  Number.isNaN(rate)
    ? 'not measured (BENCH_STORES)'
    : `${fmt(rate)} events/s  (${(rate / raw).toFixed(2)} × raw${note})`;
const serviceLine = (name: string, target: string) => {
  const run = services.get(name);
  return run === undefined
    ? 'not measured (BENCH_STORES, BENCH_SERVICE)'
    : `${fmt(run.rate)} events/s  (${(run.rate / raw).toFixed(2)} × raw; target ${target}), ${run.cpuUsPerEvent.toFixed(1)} µs CPU/event (raw's CPU/event ÷ this: ${(rawCpuUs / run.cpuUsPerEvent).toFixed(2)}), peak RSS ${fmt(run.peakRss / 2 ** 20)} MiB (target ≤ 256 MB; ${fmt(run.startRss / 2 ** 20)} MiB at start)`;
};
console.log(`
events               ${fmt(EVENTS)} over ${fmt(ACCOUNTS)} accounts, 6 partitions (topic ${topic})
Kafka ConsumerPerformance ${java ? `${fmt(java.recordsPerSecond)} records/s (fetch ${fmt(java.fetchRecordsPerSecond)}/s): the ceiling` : 'not run (BENCH_JAVA=0)'}
raw kafkajs consumer ${fmt(raw)} events/s, ${rawCpuUs.toFixed(1)} µs CPU/event${java ? `  (${(raw / java.recordsPerSecond).toFixed(2)} × Java)` : ''}
projector → SQLite   ${storeLine(sqliteRate, '; target ≥ 0.5')}   (in this process)
projector → Postgres ${storeLine(pgRate, '; target ≥ 0.35')}   (in this process)
service → SQLite     ${serviceLine('sqlite', '≥ 0.5')}
service → Postgres   ${serviceLine('postgres', '≥ 0.35')}
peak RSS (bench)     ${fmt(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 20)} MiB (this process: raw consumer and both in-process runs)`);
process.exit(0);
