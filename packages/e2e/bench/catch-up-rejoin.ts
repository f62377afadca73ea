/**
 * Reproduces the "frozen" catch-up of issue 11 at a smaller scale: a PartitionConsumer reads a
 * large backlog with big fetches, the batches of one fetch take longer than the session timeout
 * (kafkajs heartbeats only between batches), the broker removes the member, it rejoins.
 *
 *   CATCHUP_EVENTS=300000 CATCHUP_SESSION_MS=6000 CATCHUP_FETCH_BYTES=8388608 \
 *     pnpm --filter @tally/e2e exec tsx --conditions=@tally/source bench/catch-up-rejoin.ts
 *
 * The store spends CPU per record (SHA-256 rounds, CATCHUP_HASH_ROUNDS) and keeps offsets in
 * memory. It counts the records it applied; the `applied` events of `onEvent`, which is what
 * `pnpm bench:audit` counts its progress with, are counted apart. The run ends when the store has
 * applied every record and exits 1 when the two counts differ (the records of every batch whose
 * closing heartbeat failed are applied and stored but never reported), or when nothing was applied
 * for CATCHUP_STALL_S seconds. Not a test.
 */
import { createHash } from 'node:crypto';
import { preloadBenchTopic } from '@tally/events/testing';
import {
  kafkaFromEnv,
  PartitionConsumer,
  type ApplyResult,
  type PartitionBatch,
  type PartitionStore,
} from '@tally/kafka';
import { createLogger } from '@tally/service';

const EVENTS = Number(process.env['CATCHUP_EVENTS'] ?? 300_000);
const SESSION_MS = Number(process.env['CATCHUP_SESSION_MS'] ?? 6_000);
const FETCH_BYTES = Number(process.env['CATCHUP_FETCH_BYTES'] ?? 8 << 20);
const STALL_S = Number(process.env['CATCHUP_STALL_S'] ?? 60);
/** Extra synchronous work per record (hash rounds), to make one batch outlast the session. */
const ROUNDS = Number(process.env['CATCHUP_HASH_ROUNDS'] ?? 20);

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
// kafkajs' warnings and errors (the rejoin among them) as JSON lines on stdout.
const kafka = kafkaFromEnv(process.env, {
  clientId: 'catch-up-rejoin',
  logger: createLogger('catch-up-rejoin', 'warn'),
});

class HashingStore implements PartitionStore {
  readonly next = new Map<number, string>();
  applied = 0;
  lastAppliedAt = Date.now();
  loadOffsets(): Promise<ReadonlyMap<number, string>> {
    return Promise.resolve(new Map(this.next));
  }
  applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    const started = Date.now();
    let digest = Buffer.alloc(32);
    for (const message of batch.messages) {
      for (let i = 0; i < ROUNDS; i++) {
        digest = createHash('sha256')
          .update(digest)
          .update(message.value ?? '')
          .digest();
      }
    }
    this.next.set(batch.partition, batch.nextOffset);
    this.applied += batch.messages.length;
    this.lastAppliedAt = Date.now();
    log(
      `applied p${batch.partition} ${batch.fromOffset}..${batch.nextOffset} (${batch.messages.length} records, ${Date.now() - started} ms sync)`,
    );
    return Promise.resolve({
      kind: 'applied',
      nextOffset: batch.nextOffset,
      applied: batch.messages.length,
    });
  }
}

const topic = await preloadBenchTopic(kafka, EVENTS, Math.max(1, Math.floor(EVENTS / 100)));
const store = new HashingStore();
/** Records the consumer reported as applied through onEvent. */
let reported = 0;
const consumer = new PartitionConsumer({
  kafka,
  topic,
  groupId: `catch-up-rejoin-${Date.now()}`,
  store,
  maxBytesPerPartition: FETCH_BYTES,
  sessionTimeout: SESSION_MS,
  onEvent: (event) => {
    if (event.type === 'assigned') log(`assigned ${JSON.stringify(event.partitions)}`);
    if (event.type === 'crashed') log(`crashed for good: ${String(event.error)}`);
    // What pnpm bench:audit counts its progress with.
    if (event.type === 'applied') reported += event.applied;
  },
});
void consumer.start();
const started = Date.now();
const timer = setInterval(() => {
  if (store.applied >= EVENTS) {
    process.exitCode = reported === store.applied ? 0 : 1;
    log(
      `done: ${store.applied} records applied in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `onEvent reported ${reported} applied (the ${store.applied - reported} missing are what a progress counter built on onEvent never sees)`,
    );
    clearInterval(timer);
    void consumer.stop().then(() => process.exit());
    return;
  }
  const idle = (Date.now() - store.lastAppliedAt) / 1000;
  log(
    `progress ${store.applied}/${EVENTS} (onEvent: ${reported}), nothing applied for ${idle.toFixed(0)} s`,
  );
  if (idle > STALL_S) {
    log(`STALL. stored offsets ${JSON.stringify([...store.next])}`);
    log(
      `assigned ${JSON.stringify(consumer.assignedPartitions())}, halted ${JSON.stringify(consumer.halted())}, running ${consumer.isRunning()}`,
    );
    process.exit(1);
  }
}, 5_000);
