import type { Logger } from '@tally/service';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { kafkajsOf } from './client.js';
import type { KafkaAdmin, KafkaClient, KafkaRecord } from './types.js';

export interface TopicFollowerOptions {
  readonly kafka: KafkaClient;
  readonly topics: readonly string[];
  /** A group of its own: every follower reads every partition from the beginning. */
  readonly groupId: string;
  readonly logger?: Logger;
  /** Called for each committed record, in offset order per partition. */
  readonly onMessage: (
    topic: string,
    partition: number,
    message: KafkaRecord,
  ) => Promise<void> | void;
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * Reads whole topics from the beginning (read_committed) and knows how far it got per partition,
 * counting transaction markers, so "caught up to the end offsets taken at time T" is a condition
 * that can be awaited. It commits no offsets: its state lives in memory and is rebuilt on start.
 */
export class TopicFollower {
  private readonly consumer: Consumer;
  private readonly positions = new Map<string, bigint>();
  private waiters: { targets: readonly PartitionOffset[]; resolve: () => void }[] = [];
  private failure: unknown;

  constructor(private readonly options: TopicFollowerOptions) {
    this.consumer = kafkajsOf(options.kafka).consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 250,
      // One member per group, so rebalances never happen and the session can be short.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    // Fires for every fetched batch, also one holding only transaction markers or aborted records.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.positions.set(key(payload.topic, payload.partition), BigInt(payload.lastOffset) + 1n);
      this.notify();
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  /** Next offset to read on the partition (0 before anything was read). */
  position(topic: string, partition: number): bigint {
    return this.positions.get(key(topic, partition)) ?? 0n;
  }

  isAt(targets: readonly PartitionOffset[]): boolean {
    return targets.every((t) => this.position(t.topic, t.partition) >= t.offset);
  }

  /** Resolves once every partition is read up to its target offset; rejects if reading failed. */
  waitFor(targets: readonly PartitionOffset[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.isAt(targets)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ targets, resolve }));
  }

  /** The current end offsets (last stable offsets, read_committed) of the given partitions. */
  static async endOffsets(
    admin: KafkaAdmin,
    topics: readonly string[],
    partitions?: readonly number[],
  ): Promise<PartitionOffset[]> {
    const result: PartitionOffset[] = [];
    for (const topic of topics) {
      for (const entry of await admin.fetchTopicOffsets(topic)) {
        if (partitions && !partitions.includes(entry.partition)) continue;
        result.push({ topic, partition: entry.partition, offset: BigInt(entry.offset) });
      }
    }
    return result;
  }

  private async eachBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    try {
      for (const message of batch.messages) {
        await this.options.onMessage(batch.topic, batch.partition, message);
      }
    } catch (error) {
      // A record that cannot be applied is never skipped: stop following and say why.
      this.failure = error;
      this.options.logger?.error(
        { err: error, topic: batch.topic, partition: batch.partition },
        'follower cannot apply a record; it stops',
      );
      throw error;
    }
    await heartbeat();
  }

  private notify(): void {
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (this.isAt(waiter.targets)) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
