import { randomUUID } from 'node:crypto';
import type { Logger } from '@tally/service';
import { TopicFollower } from './follower.js';
import type { KafkaClient, KafkaRecord } from './types.js';

export interface TopicSnapshotOptions {
  readonly kafka: KafkaClient;
  readonly topic: string;
  /** A group of its own (default: `<prefix>-<uuid>`); nothing is committed to it. */
  readonly groupId?: string;
  readonly groupPrefix?: string;
  readonly logger?: Logger;
  /** Records buffered per partition before reading waits for the reader (default 2,000). */
  readonly bufferPerPartition?: number;
}

/** One partition of a snapshot: its end offset when the snapshot began, and its records. */
export interface SnapshotPartition {
  readonly partition: number;
  /** The last stable offset at the start: the records below it are the snapshot's. */
  readonly end: string;
  /** Every committed record below `end`, in offset order; iterate once. */
  readonly records: AsyncIterable<KafkaRecord>;
}

export interface TopicSnapshot {
  readonly topic: string;
  readonly partitions: readonly SnapshotPartition[];
  /** Stops reading (also before every partition was iterated to its end). */
  close(): Promise<void>;
}

/**
 * A bounded hand-over between the consumer (which pushes) and one reader (which pulls): the
 * consumer waits while the buffer is full, so memory stays bounded however large the topic is.
 */
class RecordQueue implements AsyncIterable<KafkaRecord> {
  private readonly items: KafkaRecord[] = [];
  private ended = false;
  private discarding = false;
  private failure: unknown;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  async push(record: KafkaRecord): Promise<void> {
    if (this.discarding) return;
    while (this.items.length >= this.capacity && !this.discarding) {
      await new Promise<void>((resolve) => (this.wakeWriter = resolve));
    }
    if (this.discarding) return;
    this.items.push(record);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.failure = error;
    this.ended = true;
    this.wake();
  }

  /** The reader is gone: what still arrives is dropped, and the consumer never waits on it. */
  discard(): void {
    this.discarding = true;
    this.ended = true;
    this.items.length = 0;
    this.wake();
  }

  private wake(): void {
    const reader = this.wakeReader;
    const writer = this.wakeWriter;
    this.wakeReader = undefined;
    this.wakeWriter = undefined;
    reader?.();
    writer?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<KafkaRecord> {
    try {
      for (;;) {
        const next = this.items.shift();
        if (next !== undefined) {
          this.wake();
          yield next;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
      }
    } finally {
      this.discard();
    }
  }
}

/**
 * Reads a topic as it is now: each partition's committed records (read_committed) from offset 0
 * up to its end offset taken at the start, as one async iterable per partition, streaming with a
 * bounded buffer each. Meant for whole-topic checks such as the audit's witness: the partitions
 * are read concurrently, so iterate all of them concurrently (or close the snapshot).
 */
export async function readTopicSnapshot(options: TopicSnapshotOptions): Promise<TopicSnapshot> {
  const { kafka, topic } = options;
  const admin = kafka.admin();
  await admin.connect();
  let ends;
  try {
    ends = (await TopicFollower.endOffsets(admin, [topic])).sort(
      (a, b) => a.partition - b.partition,
    );
  } finally {
    await admin.disconnect();
  }
  const capacity = options.bufferPerPartition ?? 2_000;
  const queues = new Map(ends.map((e) => [e.partition, new RecordQueue(capacity)]));
  const endOf = new Map(ends.map((e) => [e.partition, e.offset]));
  const follower = new TopicFollower({
    kafka,
    topics: [topic],
    groupId: options.groupId ?? `${options.groupPrefix ?? 'tally-snapshot'}-${randomUUID()}`,
    ...(options.logger ? { logger: options.logger } : {}),
    onMessage: (_topic, partition, record) => {
      const end = endOf.get(partition);
      const offset = BigInt(record.offset);
      // Records written after the snapshot began are not part of it; a record delivered again
      // (the consumer rejoined its group and started over) is handed over once only.
      if (end === undefined || offset >= end || offset < (delivered.get(partition) ?? 0n)) return;
      delivered.set(partition, offset + 1n);
      return queues.get(partition)?.push(record);
    },
  });
  const delivered = new Map<number, bigint>();
  const pending = ends.filter((e) => e.offset > 0n);
  for (const e of ends) if (e.offset === 0n) queues.get(e.partition)?.end();
  let closed = false;
  let started = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const queue of queues.values()) queue.discard();
    if (started) await follower.stop();
  };
  if (pending.length > 0) {
    started = true;
    await follower.start();
    for (const target of pending) {
      follower.waitFor([target]).then(
        () => queues.get(target.partition)?.end(),
        (error: unknown) => queues.get(target.partition)?.fail(error),
      );
    }
  }
  return {
    topic,
    partitions: ends.map((e) => ({
      partition: e.partition,
      end: e.offset.toString(),
      records: queues.get(e.partition) as RecordQueue,
    })),
    close,
  };
}
