import type { Logger } from '@tally/service';
import { NO_TRACE } from '@tally/telemetry';
import type { Consumer, EachBatchPayload, Message, Producer } from 'kafkajs';
import { kafkajsOf } from './client.js';
import { pacedBatches } from './fetch-pacing.js';
import { byLeader, unevenAnswer } from './leader-groups.js';
import type { PartitionConsumerEvent, PartitionLag } from './partition-consumer.js';
import { traceFetchedBatch, tracedMessages, type RecordScopes } from './tracing.js';
import type {
  KafkaAdmin,
  KafkaClient,
  KafkaRecord,
  PartitionLeaders,
  RecordMetadata,
  TopicRecords,
} from './types.js';

/** How long the partition leaders read from the metadata are used before they are read again. */
const LEADERS_MAX_AGE_MS = 10_000;

type Transaction = Awaited<ReturnType<Producer['transaction']>>;

/** What a batch of input records turns into, written in the same transaction as its offsets. */
export interface BatchOutput {
  readonly messages: readonly TopicRecords[];
  /**
   * Called once the transaction committed, with where each topic-partition's records landed:
   * make the batch's state changes visible (and checkpoint them).
   */
  readonly committed: (written: readonly RecordMetadata[]) => void;
  /** Called when the transaction did not commit: forget the batch's state changes. */
  readonly aborted: () => void;
}

export interface PartitionProcessorOptions {
  readonly kafka: KafkaClient;
  /** Input topic, e.g. commands; each of its partitions is owned by one member of the group. */
  readonly topic: string;
  readonly groupId: string;
  /** Transactional ids are `<prefix>-<partition>`: a new owner fences the previous one. */
  readonly transactionalIdPrefix: string;
  readonly logger?: Logger;
  /**
   * Runs after this instance fenced the partition's previous writer and before its first batch:
   * bring the state the handler needs up to date (e.g. restore it from a changelog).
   */
  readonly prepare: (partition: number) => Promise<void>;
  /** Runs when the partition is no longer owned (revoked, or the processor stops). */
  readonly release?: (partition: number) => void;
  /**
   * Decides a batch. Run each record's work in `scopes.run(record, …)`: its log lines and the
   * records it makes (`trace: currentTraceContext()`) then continue the record's trace.
   */
  readonly handle: (
    partition: number,
    messages: readonly KafkaRecord[],
    scopes: RecordScopes,
  ) => Promise<BatchOutput>;
  /** After each committed batch and each assignment (metrics). */
  readonly onEvent?: (event: PartitionConsumerEvent) => void;
  /**
   * Something this processor cannot recover from by itself (the consumer crashed for good, a
   * takeover kept failing): the instance must stop being ready and exit so that it is restarted.
   */
  readonly onFatal: (error: unknown) => void;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Least ms between fetch starts while commands flow (pacedBatches); default 0. */
  readonly fetchIntervalMs?: number | undefined;
  /**
   * 0 (default): every transaction commits the batch's input offsets. Above 0: a transaction
   * commits them only if this long passed since the partition's last offset commit (or it has no
   * outputs, or the processor is stopping). Saves AddOffsetsToTxn + TxnOffsetCommit on most
   * transactions; a new owner then reads up to this much input again, so only for handlers whose
   * re-delivered input is a no-op (which they must be anyway without KIP-447).
   */
  readonly offsetCommitIntervalMs?: number;
  /** Takeover attempts (fence + prepare) before the failure is fatal; backoff doubles from 250 ms. */
  readonly takeoverAttempts?: number;
  /**
   * Upper bound of fencing in one takeover attempt. `prepare` has none here: it may take long
   * (a large restore) and must fail by itself when it stops making progress.
   */
  readonly fenceTimeoutMs?: number;
}

interface Ownership {
  readonly partition: number;
  producer: Producer | undefined;
  prepared: boolean;
  released: boolean;
  /** The partition's transactions run one after the other: batches and `runOwned` work. */
  queue: Promise<unknown>;
}

/**
 * Read-process-write exactly once, per partition: a consumer group hands out input partitions;
 * for each owned partition one transactional producer (`<prefix>-<partition>`) writes a batch's
 * outputs and the batch's input offsets in one transaction. kafkajs sends no group generation with
 * the offsets (no KIP-447), so fencing comes from the transactional id alone, and the handler must
 * treat input it already processed as a no-op (a new owner may see a batch again).
 *
 * A partition being taken over is paused, so its restore never holds up the other partitions;
 * a takeover that fails is retried with backoff and, past the last attempt, is fatal.
 */
export class PartitionProcessor {
  private readonly consumer: Consumer;
  private readonly admin: KafkaAdmin;
  private readonly owned = new Map<number, Ownership>();
  /** The partitions the group assigned to this member at its last join. */
  private assigned: readonly number[] = [];
  /** The next input offset of each owned partition, once this instance committed a batch of it. */
  private readonly position = new Map<number, string>();
  /** performance.now() of each partition's last transaction that committed input offsets. */
  private readonly offsetsCommittedAt = new Map<number, number>();
  private joined = false;
  private stopping = false;
  private fatal: unknown;
  private failedTakeovers = 0;
  /** Partition leaders of the output topics, read when needed, forgotten when a send fails. */
  private leaders: { readonly map: PartitionLeaders; readonly readAt: number } | undefined;

  constructor(private readonly options: PartitionProcessorOptions) {
    this.consumer = kafkajsOf(options.kafka).consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: 20_000,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.onAssignment(payload.memberAssignment[options.topic] ?? []);
    });
    // kafkajs restarts the consumer after retriable errors by itself; anything else stops it.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping) return;
      this.die(payload.error);
    });
    this.admin = options.kafka.admin();
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions have their own producers, so their transactions can run side by side.
      partitionsConsumedConcurrently: 16,
      eachBatch: pacedBatches(this.consumer, this.options.fetchIntervalMs ?? 0, (payload) =>
        this.eachBatch(payload),
      ),
    });
  }

  /** Finishes the batches in flight (their transactions commit), leaves the group, closes producers. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
    await Promise.all([...this.owned.keys()].map((partition) => this.release(partition)));
    await this.admin.disconnect();
  }

  /**
   * Processing lag of each owned partition: input records written but not yet decided (the end
   * of the partition minus the next offset to decide; the group's committed offset until this
   * instance committed a batch of it).
   */
  async lag(): Promise<PartitionLag[]> {
    const owned = this.assignedPartitions();
    if (owned.length === 0) return [];
    const { topic, groupId } = this.options;
    const [ends, [committed]] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committedOf = new Map(committed?.partitions.map((p) => [p.partition, p.offset]));
    return ends
      .filter(({ partition }) => owned.includes(partition))
      .map(({ partition, low, high }) => {
        const stored = committedOf.get(partition);
        const nextOffset =
          this.position.get(partition) ?? (stored === undefined || stored === '-1' ? low : stored);
        const lag = Math.max(0, Number(BigInt(high) - BigInt(nextOffset)));
        return { partition, nextOffset, highWatermark: high, lag };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  /** True once the group assigned partitions to this member and each is fenced and prepared. */
  isCaughtUp(): boolean {
    return (
      this.fatal === undefined && this.joined && [...this.owned.values()].every((o) => o.prepared)
    );
  }

  /** Takeover attempts that failed so far (each was retried, or was fatal). */
  takeoverFailures(): number {
    return this.failedTakeovers;
  }

  /** Why the processor gave up, if it did. */
  failure(): unknown {
    return this.fatal;
  }

  assignedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /** The owned partitions that are taken over (fenced and prepared). */
  preparedPartitions(): number[] {
    return [...this.owned.values()]
      .filter((o) => o.prepared && !o.released)
      .map((o) => o.partition)
      .sort((a, b) => a - b);
  }

  /**
   * Writes what `work` returns in a transaction of the partition's owner, without input: work the
   * owner starts by itself (a timer), serialised with the partition's batches so that both see
   * each other's committed state. 'not-owned' when the partition is not taken over here (nothing
   * ran); 'idle' when `work` had nothing to write. A failed transaction (fenced, broken) drops the
   * partition, which is taken over afresh while it stays assigned, and rethrows.
   */
  async runOwned(
    partition: number,
    work: () => Promise<BatchOutput | undefined>,
  ): Promise<'committed' | 'idle' | 'not-owned'> {
    const ownership = this.owned.get(partition);
    if (ownership === undefined || this.stopping) return 'not-owned';
    return this.exclusive(ownership, async () => {
      const producer = ownership.producer;
      if (!ownership.prepared || ownership.released || producer === undefined || this.stopping) {
        return 'not-owned';
      }
      const output = await work();
      const topicMessages = output?.messages.filter((t) => t.messages.length > 0) ?? [];
      if (output === undefined || topicMessages.length === 0) {
        output?.committed([]);
        return 'idle';
      }
      let transaction: Transaction | undefined;
      let written: RecordMetadata[];
      // Owner-started work serves no request: its records go untraced.
      const sends = topicMessages.map((t) => tracedMessages(t.topic, t.messages, NO_TRACE));
      try {
        transaction = await producer.transaction();
        written = await this.sendByLeader(
          transaction,
          topicMessages.map((t, i) => ({ topic: t.topic, messages: sends[i]?.messages ?? [] })),
        );
        await transaction.commit();
        for (const send of sends) send.end();
      } catch (error) {
        this.leaders = undefined;
        for (const send of sends) send.end(error);
        output.aborted();
        await transaction?.abort().catch(() => undefined);
        await this.release(partition);
        if (this.assigned.includes(partition) && !this.stopping) this.own(partition);
        throw error;
      }
      output.committed(written);
      return 'committed';
    });
  }

  /** Runs `work` after everything queued on the partition before it. */
  private exclusive<T>(ownership: Ownership, work: () => Promise<T>): Promise<T> {
    const result = ownership.queue.then(work);
    ownership.queue = result.catch(() => undefined);
    return result;
  }

  private die(error: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = error ?? new Error('processor failed');
    this.options.logger?.error({ err: error }, 'command processor failed for good');
    this.options.onFatal(this.fatal);
  }

  private onAssignment(partitions: readonly number[]): void {
    this.joined = true;
    this.assigned = [...partitions];
    for (const partition of this.owned.keys()) {
      if (!partitions.includes(partition)) void this.release(partition);
    }
    for (const partition of partitions) {
      if (!this.owned.has(partition)) this.own(partition);
    }
    this.options.logger?.info({ partitions }, 'partitions assigned');
    this.options.onEvent?.({ type: 'assigned', partitions: [...partitions] });
  }

  private own(partition: number): Ownership {
    const ownership: Ownership = {
      partition,
      producer: undefined,
      prepared: false,
      released: false,
      queue: Promise.resolve(),
    };
    this.owned.set(partition, ownership);
    this.offsetsCommittedAt.delete(partition);
    void this.takeOver(ownership);
    return ownership;
  }

  /** Fences the previous writer and prepares the state, retrying with backoff. */
  private async takeOver(ownership: Ownership): Promise<void> {
    const { partition } = ownership;
    const attempts = this.options.takeoverAttempts ?? 6;
    for (let attempt = 1; !ownership.released && !this.stopping; attempt += 1) {
      const producer = kafkajsOf(this.options.kafka).producer({
        transactionalId: `${this.options.transactionalIdPrefix}-${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        // kafkajs retries CONCURRENT_TRANSACTIONS after initialRetryTime; 300 ms by default.
        retry: { initialRetryTime: 50, retries: 10 },
      });
      ownership.producer = producer;
      try {
        await withTimeout(
          (async () => {
            await producer.connect();
            // Initialising the transactional id bumps its epoch: the previous owner is fenced and
            // its open transaction aborted, so what it committed is all there is to catch up on.
            const fence = await producer.transaction();
            await fence.abort();
          })(),
          this.options.fenceTimeoutMs ?? 30_000,
          `fencing partition ${partition}`,
        );
        if (ownership.released) throw new Error(`partition ${partition} was revoked`);
        await this.options.prepare(partition);
        if (ownership.released) return;
        ownership.prepared = true;
        this.options.logger?.info({ partition, attempt }, 'partition taken over');
        try {
          this.consumer.resume([{ topic: this.options.topic, partitions: [partition] }]);
        } catch {
          // The consumer is restarting; its new session starts unpaused.
        }
        return;
      } catch (error) {
        this.failedTakeovers += 1;
        ownership.producer = undefined;
        await producer.disconnect().catch(() => undefined);
        if (ownership.released || this.stopping) return;
        if (attempt >= attempts) {
          this.die(error);
          return;
        }
        const backoffMs = Math.min(250 * 2 ** (attempt - 1), 10_000);
        this.options.logger?.warn(
          { err: error, partition, attempt, backoffMs },
          'taking over the partition failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  private async release(partition: number): Promise<void> {
    const ownership = this.owned.get(partition);
    if (ownership === undefined) return;
    this.owned.delete(partition);
    this.position.delete(partition);
    ownership.released = true;
    this.options.release?.(partition);
    await ownership.producer?.disconnect().catch(() => undefined);
  }

  /**
   * Sends a transaction's records one leader at a time: one request (AddPartitionsToTxn, then
   * Produce) per leader, the next after the previous answered. A send that spans several leaders
   * makes kafkajs add partitions to the transaction concurrently (CONCURRENT_TRANSACTIONS) and,
   * when one leader fails, send again to all of them: the leaders that had written get the records
   * a second time in the same transaction (seen with a broker killed, ADR 0013). On one leader
   * (a single broker, or partitions that share a leader) the batch's events, outcomes and changelog
   * go in one round trip instead of one per topic-partition. Leaders read a moment ago may have
   * moved: an answer that names a partition twice or misses one aborts the transaction.
   */
  private async sendByLeader(
    transaction: Transaction,
    topicMessages: readonly { topic: string; messages: Message[] }[],
  ): Promise<RecordMetadata[]> {
    const leaders = await this.leadersOf(topicMessages.map((t) => t.topic));
    let written: RecordMetadata[] = [];
    for (const group of byLeader(topicMessages, leaders)) {
      const answers = await transaction.sendBatch({ topicMessages: group, acks: -1 });
      const uneven = unevenAnswer(group, answers);
      // Thrown inside the transaction: it aborts, and the batch is decided again.
      if (uneven !== undefined) throw new Error(`transactional send not trusted: ${uneven}`);
      written = [...written, ...answers];
    }
    return written;
  }

  /** The output topics' partition leaders; none (one request per partition) when unreadable. */
  private async leadersOf(topics: readonly string[]): Promise<PartitionLeaders> {
    const cached = this.leaders;
    const fresh =
      cached !== undefined &&
      performance.now() - cached.readAt < LEADERS_MAX_AGE_MS &&
      topics.every((topic) => cached.map.has(topic));
    if (fresh) return cached.map;
    try {
      // The topics known so far too: batches and owner-started work write different sets.
      const wanted = new Set([...(cached?.map.keys() ?? []), ...topics]);
      const map = await this.admin.partitionLeaders([...wanted]);
      this.leaders = { map, readAt: performance.now() };
      return map;
    } catch (error) {
      this.options.logger?.warn(
        { err: error },
        'partition leaders unknown; one request per partition',
      );
      return new Map();
    }
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    pause,
  }: EachBatchPayload) {
    if (batch.messages.length === 0) return;
    const first = batch.messages[0] as KafkaRecord;
    const retryLater = () => {
      this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: first.offset });
    };
    // A batch may come before GROUP_JOIN was handled, or after a failed transaction dropped it.
    const ownership = this.owned.get(batch.partition) ?? this.own(batch.partition);
    if (!ownership.prepared || ownership.producer === undefined) {
      // Not taken over yet: park this partition (resumed when ready) and let the others run.
      pause();
      retryLater();
      return;
    }
    if (!isRunning() || isStale()) return;
    // After any owner-started work (runOwned) of the partition, so each sees the other's state.
    await this.exclusive(ownership, async () => {
      if (ownership.released || ownership.producer === undefined) {
        retryLater();
        return;
      }
      await this.commitBatch(ownership.producer, batch, retryLater, resolveOffset, heartbeat);
    });
  }

  private async commitBatch(
    producer: Producer,
    batch: EachBatchPayload['batch'],
    retryLater: () => void,
    resolveOffset: EachBatchPayload['resolveOffset'],
    heartbeat: EachBatchPayload['heartbeat'],
  ): Promise<void> {
    const last = batch.messages[batch.messages.length - 1] as KafkaRecord;
    let output: BatchOutput | undefined;
    let written: RecordMetadata[] = [];
    let transaction: Transaction | undefined;
    const started = performance.now();
    let withOffsets = false;
    // A `decide` span per traced command, in its request's trace; the outputs' `send` spans end
    // with the transaction, so each spans the time until its record is readable.
    const { traced, scopes } = traceFetchedBatch('decide', {
      topic: batch.topic,
      partition: batch.partition,
      groupId: this.options.groupId,
      messages: batch.messages,
    });
    const sends: ReturnType<typeof tracedMessages>[] = [];
    try {
      const decided = await traced.runBatch(() =>
        this.options.handle(batch.partition, batch.messages, scopes),
      );
      output = decided;
      transaction = await producer.transaction();
      // Only the records the handler made in a command's trace carry one; the rest (state,
      // such as a changelog) serve the whole batch and go untraced.
      const topicMessages = decided.messages
        .filter((t) => t.messages.length > 0)
        .map((t) => {
          const traceable = tracedMessages(t.topic, t.messages, NO_TRACE);
          sends.push(traceable);
          return { topic: t.topic, messages: traceable.messages };
        });
      written = await this.sendByLeader(transaction, topicMessages);
      const interval = this.options.offsetCommitIntervalMs ?? 0;
      withOffsets =
        interval <= 0 ||
        topicMessages.length === 0 ||
        this.stopping ||
        started - (this.offsetsCommittedAt.get(batch.partition) ?? -Infinity) >= interval;
      if (withOffsets) {
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [
            {
              topic: batch.topic,
              partitions: [
                { partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
              ],
            },
          ],
        });
      }
      await transaction.commit();
    } catch (error) {
      this.leaders = undefined;
      for (const traceable of sends) traceable.end(error);
      traced.end({ error });
      output?.aborted();
      await transaction?.abort().catch(() => undefined);
      // Fenced or broken: drop the partition and read the batch again. The next attempt takes the
      // partition over afresh (fence, restore), so it decides on what the other owner committed.
      await this.release(batch.partition);
      if (this.stopping) throw error;
      this.options.logger?.warn({ err: error, partition: batch.partition }, 'transaction failed');
      retryLater();
      return;
    }
    for (const traceable of sends) traceable.end();
    traced.end();
    if (withOffsets) this.offsetsCommittedAt.set(batch.partition, started);
    output.committed(written);
    const nextOffset = (BigInt(last.offset) + 1n).toString();
    this.position.set(batch.partition, nextOffset);
    resolveOffset(last.offset);
    this.options.onEvent?.({
      type: 'applied',
      partition: batch.partition,
      applied: batch.messages.length,
      nextOffset,
      ms: performance.now() - started,
    });
    await heartbeat();
  }
}

/** Rejects after ms unless the work settled first (the work itself is not cancelled). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
