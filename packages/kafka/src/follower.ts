import type { Logger } from '@tally/service';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { kafkajsOf } from './client.js';
import { pacedBatches } from './fetch-pacing.js';
import { isPoison, isRetriable } from './errors.js';
import type { KafkaAdmin, KafkaClient, KafkaRecord } from './types.js';

export interface TopicFollowerOptions {
  readonly kafka: KafkaClient;
  readonly topics: readonly string[];
  /** A group of its own: every follower reads every partition from the beginning. */
  readonly groupId: string;
  readonly logger?: Logger;
  /**
   * 'beginning' (default): read everything. 'end': read only what is written after start()
   * (the end offsets taken at start), for a reader that needs only what happens from now on.
   */
  readonly startAt?: 'beginning' | 'end';
  /**
   * Fetch tuning: how long the broker may hold a fetch (default 250 ms) and how many bytes it
   * waits for (default 1). A reader that need not be quick fetches less often with more of both.
   */
  readonly maxWaitTimeInMs?: number;
  readonly minBytes?: number;
  /** Least ms between fetch starts while records flow (pacedBatches); default 0. */
  readonly fetchIntervalMs?: number;
  /** Called when reading stopped for good (a record cannot be applied, the consumer crashed). */
  readonly onFatal?: (error: unknown) => void;
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
 * A failure is never silent: it is kept (see failure()) and reported through onFatal.
 */
export class TopicFollower {
  private readonly consumer: Consumer;
  private readonly positions = new Map<string, bigint>();
  private waiters: {
    targets: readonly PartitionOffset[];
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];
  private stoppedBy: unknown;

  constructor(private readonly options: TopicFollowerOptions) {
    this.consumer = kafkajsOf(options.kafka).consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 250,
      minBytes: options.minBytes ?? 1,
      // One member per group, so rebalances never happen and the session can be short.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(payload.error);
    });
    // Fires for every fetched batch, also one holding only transaction markers or aborted records.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.positions.set(key(payload.topic, payload.partition), BigInt(payload.lastOffset) + 1n);
      this.notify();
    });
  }

  async start(admin?: KafkaAdmin): Promise<void> {
    if (this.options.startAt === 'end') {
      if (admin === undefined) throw new Error('a follower from the end needs an admin client');
      for (const start of await TopicFollower.endOffsets(admin, this.options.topics)) {
        this.positions.set(key(start.topic, start.partition), start.offset);
      }
    }
    // On every join (also after kafkajs restarted a crashed consumer) go on from where it got:
    // the group commits no offsets, so kafkajs alone would start from the beginning again.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = this.position(topic, partition);
          if (offset > 0n) this.consumer.seek({ topic, partition, offset: offset.toString() });
        }
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: pacedBatches(this.consumer, this.options.fetchIntervalMs ?? 0, (payload) =>
        this.eachBatch(payload),
      ),
    });
  }

  /** Why reading stopped, if it did. */
  failure(): unknown {
    return this.stoppedBy;
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
    if (this.stoppedBy !== undefined) return Promise.reject(this.stoppedBy);
    if (this.isAt(targets)) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ targets, resolve, reject }));
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

  private async eachBatch({ batch, heartbeat, isRunning }: EachBatchPayload): Promise<void> {
    try {
      for (const message of batch.messages) {
        await this.applyRetrying(batch.topic, batch.partition, message, heartbeat, isRunning);
      }
    } catch (error) {
      // A record that cannot be applied is never skipped: stop following and say why.
      this.options.logger?.error(
        { err: error, topic: batch.topic, partition: batch.partition },
        'follower cannot apply a record; it stops',
      );
      this.fail(error);
      throw error;
    }
    await heartbeat();
  }

  /**
   * A record whose callback fails with a retriable error (the registry unreachable, or answering
   * 404 while its database is down) is tried again with backoff, in order, as long as the
   * consumer runs: a dependency that is away for a while must not end the process.
   */
  private async applyRetrying(
    topic: string,
    partition: number,
    message: KafkaRecord,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<void> {
    for (let backoffMs = 200; ; backoffMs = Math.min(backoffMs * 2, 5_000)) {
      try {
        await this.options.onMessage(topic, partition, message);
        return;
      } catch (error) {
        if (isPoison(error) || !isRetriable(error) || !isRunning()) throw error;
        this.options.logger?.warn(
          { err: error, topic, partition, offset: message.offset, backoffMs },
          'follower cannot apply a record yet; trying again',
        );
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        await heartbeat();
      }
    }
  }

  private fail(error: unknown): void {
    if (this.stoppedBy !== undefined) return;
    this.stoppedBy = error ?? new Error('follower failed');
    for (const waiter of this.waiters) waiter.reject(this.stoppedBy);
    this.waiters = [];
    this.options.onFatal?.(this.stoppedBy);
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
