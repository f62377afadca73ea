/**
 * pnpm bench:replay — replay rate of the projector into SQLite and PostgreSQL against a raw kafkajs
 * consumer reading the same topic (no decoding, no storing). Not a test.
 * Preloads BENCH_EVENTS (1,000,000) events over BENCH_ACCOUNTS (10,000) accounts into a fixed topic,
 * reused when it already holds exactly that many records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountEventSerde } from '@tally/events';
import { kafkaFromEnv } from '@tally/kafka';
import { rawReadRate } from '@tally/kafka/testing';
import { benchTopicName, preloadBenchTopic } from '@tally/events/testing';
import { registryUrl } from '@tally/testing';
import { balancesReadModel } from '../src/read-model.js';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { ReadModelStore } from '../src/store/types.js';
import { pgDatabase } from '../test/support.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 10_000);
const topic = benchTopicName(EVENTS, ACCOUNTS);
const kafka = kafkaFromEnv(process.env, { clientId: 'bench' });
const admin = kafka.admin();
const log = (line: string) => process.stderr.write(line);

let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

async function rawRate(): Promise<number> {
  const rate = await rawReadRate(kafka, topic, EVENTS, (read) =>
    log(`\rraw kafkajs: ${read}/${EVENTS}   `),
  );
  log(`\rraw kafkajs consumer: ${Math.round(rate)} events/s\n`);
  return rate;
}

async function projectorRate(name: string, store: ReadModelStore): Promise<number> {
  const serde = await AccountEventSerde.connect({ registryUrl, topic });
  let applied = 0;
  let started = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const projector = balancesReadModel({
    kafka,
    topic,
    serde,
    store,
    groupId: `bench-${name}-${Date.now()}`,
    pollMs: 60_000,
    onEvent: (e) => {
      if (e.type !== 'applied') return;
      if (started === 0) started = Date.now() - e.ms;
      applied += e.applied;
      if (applied >= EVENTS) resolveDone();
    },
  });
  const progress = setInterval(() => {
    const secs = (Date.now() - started) / 1000;
    const rate = started ? applied / secs : 0;
    log(
      `\r${name}: ${applied}/${EVENTS}  ${Math.round(rate)} events/s  lag ${EVENTS - applied}  ETA ${rate ? Math.ceil((EVENTS - applied) / rate) : '?'} s   `,
    );
  }, 1000);
  const cpu = process.cpuUsage();
  await projector.start();
  await done;
  const rate = EVENTS / ((Date.now() - started) / 1000);
  const used = process.cpuUsage(cpu);
  clearInterval(progress);
  await projector.stop();
  // CPU time of this process per event: less sensitive than the rate to other load on the machine.
  const us = (used.user + used.system) / EVENTS;
  log(
    `\rprojector into ${name}: ${Math.round(rate)} events/s, ${us.toFixed(1)} µs CPU/event (this process)          \n`,
  );
  return rate;
}

/** BENCH_STORES=sqlite (or postgres) measures one store only (profiling); default both. */
const stores = (process.env['BENCH_STORES'] ?? 'sqlite,postgres').split(',');
await admin.connect();
await preloadBenchTopic(kafka, EVENTS, ACCOUNTS);
const raw = await rawRate();
let sqliteRate = NaN;
if (stores.includes('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const sqlite = SqliteStore.open(join(dir, 'model.sqlite'));
  sqliteRate = await projectorRate('sqlite', sqlite);
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}
let pgRate = NaN;
if (stores.includes('postgres')) {
  const db = await pgDatabase();
  const postgres = await PostgresStore.open(db.url);
  pgRate = await projectorRate('postgres', postgres);
  await postgres.close();
  await db.drop();
}
await admin.disconnect();
clearInterval(rssTimer);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const storeLine = (rate: number, note = '') =>
  Number.isNaN(rate)
    ? 'not measured (BENCH_STORES)'
    : `${fmt(rate)} events/s  (${(rate / raw).toFixed(2)} × raw${note})`;
console.log(`
events               ${fmt(EVENTS)} over ${fmt(ACCOUNTS)} accounts, 6 partitions (topic ${topic})
raw kafkajs consumer ${fmt(raw)} events/s
projector → SQLite   ${storeLine(sqliteRate, '; target ≥ 50,000 and ≥ 0.5')}
projector → Postgres ${storeLine(pgRate)}
peak RSS             ${fmt(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 20)} MiB`);
process.exit(0);
