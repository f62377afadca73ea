/**
 * `pnpm bench:intake-restore`: where the time of a restore into an empty disk goes. It preloads
 * the history of BENCH_ACCOUNTS accounts (1,000,000; see scale-preload.ts) into fresh topics, then,
 * in this process, on every partition at once:
 * 1. reads the whole changelog and drops it: fetch and decode (kafkajs) alone;
 * 2. restores it into an empty state folder as a taking-over instance does (PartitionStates):
 *    fetch, decode, hand-over to the load threads, SQLite inserts, index builds, synced checkpoint.
 * Each pass prints wall time, CPU time (all threads, and the main thread's: Kafka fetch and decode,
 * hand-over), and the load threads' phases summed over partitions. The machine's load average is printed too: wall times mean little on a busy host.
 * Env: BENCH_ACCOUNTS, BENCH_PARTITIONS (6), BENCH_LOAD_THREADS (1).
 */
import { readFileSync } from 'node:fs';
import { AccountEventSerde, loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { RangeReader, type RangeBatchHandler } from '@tally/kafka';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import { registryUrl, scratchDir } from '@tally/testing';
import type { BulkLoadPhases } from '../src/state/bulk-loads.js';
import { ensureIntakeTopics } from '../src/state/changelog.js';
import { PartitionStates } from '../src/state/partition-states.js';
import { freshIntakeTopics, preloadHistory } from './scale-preload.js';

const accounts = Number(process.env['BENCH_ACCOUNTS'] ?? 1_000_000);
const partitions = Number(process.env['BENCH_PARTITIONS'] ?? 6);
const loadThreads = Number(process.env['BENCH_LOAD_THREADS'] ?? 1);
const log = (line: string) => process.stdout.write(line);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

/** Runs `pass` and prints its wall and CPU time. */
async function timed(name: string, records: () => number, pass: () => Promise<void>) {
  const cpu = process.cpuUsage();
  const mainCpu = process.threadCpuUsage();
  const started = performance.now();
  await pass();
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const usedMain = process.threadCpuUsage(mainCpu);
  const n = records();
  log(
    `  ${name}: ${n} records in ${wallS.toFixed(1)} s (${Math.round(n / wallS)}/s), ` +
      `CPU ${((used.user + used.system) / 1e6).toFixed(1)} s ` +
      `(user ${(used.user / 1e6).toFixed(1)}, system ${(used.system / 1e6).toFixed(1)}; main ` +
      `thread ${((usedMain.user + usedMain.system) / 1e6).toFixed(1)}); ` +
      `load average ${loadAverage()}\n`,
  );
}

const kafka = testKafka('intake-restore-bench');
const admin = kafka.admin();
await admin.connect();
const topics = freshIntakeTopics('restore');
const disk = scratchDir('intake-restore');
const reader = new RangeReader({ kafka, topic: topics.changelog, groupId: uniqueName('restore') });
try {
  await ensureIntakeTopics(admin, topics, partitions, 1);
  await registerSchemas(new RegistryClient(registryUrl), topics.events, loadSchemas());
  const serde = await AccountEventSerde.connect({ registryUrl, topic: topics.events });
  log(`${accounts.toLocaleString('en')} accounts, ${partitions} partitions\n`);
  const windowMs = 30 * 24 * 3_600_000;
  await preloadHistory({ kafka, serde, topics, accounts, partitions, windowMs, log });
  await reader.start();
  const offsets = await admin.fetchTopicOffsets(topics.changelog);

  let read = 0;
  const count: RangeBatchHandler = (records) => {
    read += records.length;
  };
  await timed(
    'read only (fetch + decode)',
    () => read,
    async () => {
      await Promise.all(
        offsets.map(({ partition, low, high }) =>
          reader.read(partition, BigInt(low), BigInt(high), count),
        ),
      );
    },
  );

  const states = new PartitionStates({
    dir: disk.dir,
    changelogTopic: topics.changelog,
    reader,
    admin,
    loadThreads,
  });
  const restored = () => [...states.restores.values()].reduce((n, r) => n + r.records, 0);
  await timed(`restore into an empty disk (${loadThreads} load threads)`, restored, async () => {
    await Promise.all(offsets.map(({ partition }) => states.restore(partition)));
  });
  const sum = (phase: keyof BulkLoadPhases) => {
    let wallMs = 0;
    let cpuMs = 0;
    for (const { load } of states.restores.values()) {
      wallMs += load?.[phase].wallMs ?? 0;
      cpuMs += load?.[phase].cpuMs ?? 0;
    }
    return `${(wallMs / 1000).toFixed(1)} s (CPU ${(cpuMs / 1000).toFixed(1)} s)`;
  };
  log(
    `    load threads, summed over partitions: inserts ${sum('insert')}, unique index ` +
      `${sum('index')}, expiry index + WAL switch + synced checkpoint ${sum('complete')}\n`,
  );
  states.closeAll();
} finally {
  await reader.stop().catch(() => undefined);
  disk.remove();
  await admin
    .deleteTopics({ topics: [topics.events, topics.commands, topics.outcomes, topics.changelog] })
    .catch(() => undefined);
  await admin.disconnect();
}
