import type { Logger } from '@tally/service';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { kafkajsOf } from './client.js';
import { pacedBatches } from './fetch-pacing.js';
import {
  checkAnchor,
  findAnchor,
  offsetAtTimestamp,
  type TopicAnchorStore,
} from './topic-anchor.js';
import { traceFetchedBatch, type FetchedBatchTrace, type RecordScopes } from './tracing.js';
/** An error that says itself that retrying cannot help (e.g. the database refused the data). */
function refusedForGood(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === false;
}
import type { KafkaAdmin, KafkaClient, KafkaRecord } from './types.js';

/**
 * A consumer whose offsets live in the application's own database, next to the rows it writes,
 * so that a batch's effects and its offsets commit in one transaction (exactly-once in effect).
 * The consumer group only spreads partitions over instances; its committed offsets are never
 * used nor written: on every assignment the consumer seeks to the offsets the store returns.
 */

/** The storage side, implemented by each read model (SQLite, PostgreSQL, ...). */
export interface PartitionStore {
  /** The next offset to read, per partition; a partition never applied may be absent (read from 0). */
  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>>;
  /**
   * Applies the messages (all at offsets >= fromOffset, in order) and stores the next offset to
   * read in ONE transaction. Returns what happened; throws on infrastructure errors (the batch is
   * then retried from the stored offset). An error that says it is not retriable (the database
   * refuses a value for good) halts the partition at the record it refuses.
   */
  applyBatch(batch: PartitionBatch): Promise<ApplyResult>;
  /**
   * Optional pipelining: prepares the batch (decode, fold) and hands its transaction to the store,
   * resolving once handed over, so the consumer fetches and prepares the next batch while this one
   * is written. `committed` settles as applyBatch would. The next batch of the partition is handed
   * over with this one's next offset as its fence: it never commits unless this one did.
   */
  handOver?(batch: PartitionBatch): Promise<HandedOver>;
}

/** A batch handed to the store's transaction; `committed` settles when it is written. */
export interface HandedOver {
  readonly committed: Promise<ApplyResult>;
}

export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  /** The stored offset this batch continues from. */
  readonly fromOffset: string;
  readonly messages: readonly KafkaRecord[];
  /** The offset after the last record of the fetched batch (control records included). */
  readonly nextOffset: string;
  /**
   * Runs a record's work in its trace and log scope, and names its correlation id on its log
   * lines once decoded (`plainRecordScopes` outside a consumer).
   */
  readonly scopes: RecordScopes;
}

export type ApplyResult =
  /** Everything applied; `nextOffset` was stored. */
  | { readonly kind: 'applied'; readonly nextOffset: string; readonly applied: number }
  /**
   * The record at `offset` cannot be applied; everything before it was applied and `offset` is
   * the stored next offset. The partition stops until an operator acts and `retry` is called.
   */
  | {
      readonly kind: 'halted';
      readonly offset: string;
      readonly applied: number;
      readonly reason: string;
      readonly detail: string;
    }
  /** The stored offsets changed under this consumer (fenced, or the model was swapped). */
  | { readonly kind: 'reload' };

export type PartitionConsumerEvent =
  | { type: 'applied'; partition: number; applied: number; nextOffset: string; ms: number }
  | { type: 'halted'; partition: number; offset: string; reason: string; detail: string }
  | { type: 'resumed'; partition: number; offset: string }
  | { type: 'assigned'; partitions: number[] }
  /** kafkajs gave up on the consumer and will not restart it: the service must stop. */
  | { type: 'crashed'; error: unknown }
  /** Lag of the owned partitions, refreshed by the read-model service. */
  | { type: 'lag'; lags: readonly PartitionLag[] };

export interface PartitionConsumerOptions {
  readonly kafka: KafkaClient;
  readonly topic: string;
  readonly groupId: string;
  readonly store: PartitionStore;
  /**
   * Where the store keeps each partition's anchor (topic-anchor.ts). With it, a topic deleted and
   * created again is refused even once it grew past the stored offsets.
   */
  readonly anchors?: TopicAnchorStore | undefined;
  readonly logger?: Logger | undefined;
  /** Called after each applied batch, halt, assignment and crash (metrics, readiness). */
  readonly onEvent?: ((event: PartitionConsumerEvent) => void) | undefined;
  /** Partitions processed in parallel; default: all of them. */
  readonly partitionsConsumedConcurrently?: number | undefined;
  /** kafkajs fetch tuning; defaults suit replay (large fetches). */
  readonly maxBytesPerPartition?: number | undefined;
  readonly maxBytes?: number | undefined;
  /** Least ms between fetch starts while records flow (pacedBatches); default 0. */
  readonly fetchIntervalMs?: number | undefined;
  /** A crashed member holds its partitions this long before a rebalance (kafkajs default 30 s). */
  readonly sessionTimeout?: number | undefined;
  /**
   * Most records per store transaction (default 1,000). A fetch of a large backlog holds hundreds
   * of thousands of records; it is applied in slices with a heartbeat after each and a turn of
   * the event loop between them, so the group keeps the member and probes get their answers.
   */
  readonly maxRecordsPerApply?: number | undefined;
  /** What applying a batch is called in its spans (`apply`, `append`); default `process`. */
  readonly operation?: string | undefined;
  /** false: a batch span only, no span per record (a rebuild must not join old traces). */
  readonly recordSpans?: boolean | undefined;
}

export interface PartitionLag {
  readonly partition: number;
  readonly nextOffset: string;
  readonly highWatermark: string;
  readonly lag: number;
}

export interface Halt {
  readonly partition: number;
  readonly offset: string;
  readonly reason: string;
  readonly detail: string;
}

type State = 'idle' | 'running' | 'crashed' | 'stopped';

export class PartitionConsumer {
  private readonly consumer: Consumer;
  private readonly admin: KafkaAdmin;
  /** The stored next offset of each partition, as this instance last read or wrote it. */
  private readonly next = new Map<number, string>();
  private readonly halts = new Map<number, Halt>();
  private assigned: number[] = [];
  private joined = false;
  private state: State = 'idle';
  private crash: unknown;
  /** The check of the stored offsets and anchors after the latest assignment. */
  private verifying: Promise<void> = Promise.resolve();
  /** The next offset after the latest batch handed over (handOver) and not yet settled. */
  private readonly handed = new Map<number, string>();
  /** Per partition: the settling of the batches handed over, in order (never rejects). */
  private readonly inFlight = new Map<number, Promise<void>>();
  /** A handed-over batch that failed: thrown by the partition's next batch, as an apply throws. */
  private readonly commitFailures = new Map<number, unknown>();

  constructor(private readonly options: PartitionConsumerOptions) {
    this.consumer = kafkajsOf(options.kafka).consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
      maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
      maxWaitTimeInMs: 200,
      sessionTimeout: options.sessionTimeout ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeout ?? 30_000) / 3)),
    });
    this.admin = options.kafka.admin();
  }

  /** Connects, joins the group and runs until stop(), or until kafkajs gives up (crashed). */
  async start(): Promise<void> {
    const { topic } = this.options;
    await this.admin.connect();
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assign([...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b));
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        this.options.logger?.warn({ err: payload.error, topic }, 'consumer crashed; it restarts');
        return;
      }
      // kafkajs does not restart it: nothing consumes any more, so say so instead of staying green.
      this.state = 'crashed';
      this.crash = payload.error;
      this.options.logger?.error({ err: payload.error, topic }, 'consumer crashed for good');
      this.options.onEvent?.({ type: 'crashed', error: payload.error });
    });
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.loadOffsets();
    this.state = 'running';
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 64,
      eachBatch: pacedBatches(this.consumer, this.options.fetchIntervalMs ?? 0, (payload) =>
        this.eachBatch(payload),
      ),
    });
  }

  private async eachBatch({
    batch,
    isRunning,
    isStale,
    pause,
    resolveOffset,
    heartbeat,
  }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale()) return;
    // Nothing is applied before the assignment's check: a topic created again and grown past the
    // stored offsets would otherwise have records past them applied while the check runs.
    await this.verifying;
    if (this.state !== 'running' || !isRunning() || isStale()) return;
    const { topic, store } = this.options;
    const partition = batch.partition;
    const slice = this.options.maxRecordsPerApply ?? 1_000;
    const pipelined = store.handOver !== undefined && batch.messages.length <= slice;
    // Applying in place: the batches handed over before settle first.
    if (!pipelined) await this.inFlight.get(partition);
    const failure = this.commitFailures.get(partition);
    if (this.commitFailures.delete(partition)) throw failure;
    if (this.halts.has(partition)) {
      // Also after kafkajs restarted the consumer, which forgets what was paused.
      pause();
      return;
    }
    const fromOffset =
      (pipelined ? this.handed.get(partition) : undefined) ?? this.next.get(partition) ?? '0';
    const from = BigInt(fromOffset);
    // The group's fetch position may be behind the database (a seek not yet applied). Offsets
    // ascend within a batch: when the first is not behind, none is (no BigInt per record).
    const first = batch.messages[0];
    const messages =
      first === undefined || BigInt(first.offset) >= from
        ? batch.messages
        : batch.messages.filter((m) => BigInt(m.offset) >= from);
    const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();
    // Resolving only moves kafkajs' in-memory fetch position (autoCommit is off).
    if (BigInt(nextOffset) <= from) {
      resolveOffset(batch.lastOffset());
      return;
    }
    // One batch span over the whole fetch; each slice is applied inside it.
    const { traced, scopes } = traceFetchedBatch(this.options.operation ?? 'process', {
      topic,
      partition,
      groupId: this.options.groupId,
      messages,
      recordSpans: this.options.recordSpans,
    });
    if (pipelined) {
      await this.handOverBatch(
        { topic, partition, fromOffset, messages, nextOffset, scopes },
        traced,
        () => resolveOffset(batch.lastOffset()),
      );
      await heartbeat();
      return;
    }
    let at = 0;
    let applyFrom = fromOffset;
    do {
      if (!isRunning() || isStale()) {
        traced.end({});
        return;
      }
      const part = messages.slice(at, at + slice);
      at += part.length;
      const following = messages[at];
      const last = following === undefined;
      const partNext = following?.offset ?? nextOffset;
      const started = performance.now();
      let result: ApplyResult;
      try {
        result = await traced.runBatch(() =>
          this.applyOrLocate({
            topic,
            partition,
            fromOffset: applyFrom,
            messages: part,
            nextOffset: partNext,
            scopes,
          }),
        );
      } catch (error) {
        traced.end({ error });
        throw error;
      }
      if (result.kind === 'applied') {
        this.next.set(partition, result.nextOffset);
        applyFrom = result.nextOffset;
        const lastOfPart = part.at(-1)?.offset;
        resolveOffset(last || lastOfPart === undefined ? batch.lastOffset() : lastOfPart);
        // Reported before the heartbeat: a heartbeat that fails on a rebalance does not undo it.
        this.reportApplied(partition, result, started);
        if (last) traced.end({});
        await heartbeat();
        if (!last) await new Promise((resolve) => setImmediate(resolve));
      } else if (result.kind === 'halted') {
        traced.end({ haltedAt: { offset: result.offset, reason: result.reason } });
        this.haltAt(partition, result, { messages, scopes });
        return;
      } else {
        traced.end({ error: 'not applied: the stored offsets changed (fenced or swapped)' });
        await this.reload();
        return;
      }
    } while (at < messages.length);
  }

  /**
   * Hands the batch to the store's transaction and returns once the previous batch of its
   * partition settled: kafkajs fetches and prepares the next batch while this one is written, and
   * at most one batch per partition waits behind the one being written (memory stays bounded).
   * The outcome is handled as applyBatch's would be, in order per partition; an error leaves the
   * partition at its stored offset and is thrown by its next batch (as an apply's error is).
   */
  private async handOverBatch(
    batch: PartitionBatch,
    traced: FetchedBatchTrace['traced'],
    resolve: () => void,
  ): Promise<void> {
    const { partition } = batch;
    const previous = this.inFlight.get(partition) ?? Promise.resolve();
    const started = performance.now();
    let committed: Promise<ApplyResult>;
    try {
      ({ committed } = await traced.runBatch(async () => {
        const handOver = this.options.store.handOver;
        if (handOver === undefined) throw new Error('the store does not hand batches over');
        return handOver.call(this.options.store, batch);
      }));
    } catch (error) {
      traced.end({ error });
      await previous;
      throw error;
    }
    // Handled below once the previous batch settled; not an unhandled rejection meanwhile.
    committed.catch(() => undefined);
    this.handed.set(partition, batch.nextOffset);
    // Resolving only moves kafkajs' in-memory fetch position (autoCommit is off).
    resolve();
    const settled = previous.then(() =>
      committed
        // Refused for good: locate the record (applyOrLocate applies it again, then one by one).
        .catch((error: unknown) => {
          if (!refusedForGood(error)) throw error;
          return this.applyOrLocate(batch);
        })
        .then(
          (result) => this.settle(batch, result, traced, started),
          (error: unknown) => {
            traced.end({ error });
            this.commitFailed(partition, error);
          },
        ),
    );
    this.inFlight.set(partition, settled);
    await previous;
  }

  /** The outcome of a handed-over batch, as eachBatch handles an applied one. */
  private async settle(
    batch: PartitionBatch,
    result: ApplyResult,
    traced: FetchedBatchTrace['traced'],
    started: number,
  ): Promise<void> {
    const { topic } = this.options;
    const { partition } = batch;
    if (result.kind !== 'applied' || this.handed.get(partition) === batch.nextOffset) {
      this.handed.delete(partition);
    }
    if (result.kind === 'applied') {
      this.next.set(partition, result.nextOffset);
      this.reportApplied(partition, result, started);
      traced.end({});
    } else if (result.kind === 'halted') {
      traced.end({ haltedAt: { offset: result.offset, reason: result.reason } });
      this.haltAt(partition, result, batch);
    } else {
      traced.end({ error: 'not applied: the stored offsets changed (fenced or swapped)' });
      await this.reload().catch((error: unknown) =>
        this.options.logger?.error({ err: error, topic }, 'reading the stored offsets failed'),
      );
    }
  }

  private reportApplied(
    partition: number,
    result: Extract<ApplyResult, { kind: 'applied' }>,
    started: number,
  ): void {
    this.options.onEvent?.({
      type: 'applied',
      partition,
      applied: result.applied,
      nextOffset: result.nextOffset,
      ms: performance.now() - started,
    });
  }

  /**
   * The partition stops at the record the store could not apply: the halt is kept until an
   * operator's skip, the partition is paused and sought back to the record, and the halt is logged
   * in the record's trace.
   */
  private haltAt(
    partition: number,
    result: Extract<ApplyResult, { kind: 'halted' }>,
    batch: Pick<PartitionBatch, 'messages' | 'scopes'>,
  ): void {
    const { topic } = this.options;
    this.next.set(partition, result.offset);
    const halt: Halt = {
      partition,
      offset: result.offset,
      reason: result.reason,
      detail: result.detail,
    };
    this.halts.set(partition, halt);
    if (this.state === 'running') {
      this.consumer.pause([{ topic, partitions: [partition] }]);
      this.consumer.seek({ topic, partition, offset: result.offset });
    }
    const record = batch.messages.find((m) => m.offset === result.offset);
    const logHalt = () =>
      this.options.logger?.error(
        { topic, ...halt },
        `partition ${partition} halted at offset ${result.offset}: ${result.reason}`,
      );
    if (record === undefined) logHalt();
    else batch.scopes.run(record, logHalt);
    this.options.onEvent?.({ type: 'halted', ...halt });
  }

  /**
   * A handed-over batch failed: the partition goes back to its stored offset (a later batch handed
   * over is fenced by this one's offset and does not commit), and its next batch throws the error.
   */
  private commitFailed(partition: number, error: unknown): void {
    const { topic } = this.options;
    this.handed.delete(partition);
    this.commitFailures.set(partition, error);
    if (this.state !== 'running' || this.halts.has(partition)) return;
    this.consumer.seek({ topic, partition, offset: this.next.get(partition) ?? '0' });
  }

  /**
   * Applies a slice; when the store refuses it for good (an error with `retriable: false`), applies
   * its records one at a time and halts at the one refused, with the store's reason.
   */
  private async applyOrLocate(batch: PartitionBatch): Promise<ApplyResult> {
    try {
      return await this.options.store.applyBatch(batch);
    } catch (error) {
      // Only an error that says it can never succeed halts; a bug (TypeError, ...) crashes.
      if (!refusedForGood(error)) throw error;
      if (batch.messages.length <= 1) {
        const code = (error as { code?: unknown }).code;
        return {
          kind: 'halted',
          offset: batch.messages[0]?.offset ?? batch.fromOffset,
          applied: 0,
          reason: `store-refused${typeof code === 'string' ? `:${code}` : ''}`,
          detail: error instanceof Error ? error.message : String(error),
        };
      }
      let from = batch.fromOffset;
      let applied = 0;
      for (const [i, message] of batch.messages.entries()) {
        const next = batch.messages[i + 1]?.offset ?? batch.nextOffset;
        const one = await this.applyOrLocate({
          ...batch,
          fromOffset: from,
          messages: [message],
          nextOffset: next,
        });
        if (one.kind === 'reload') return one;
        if (one.kind === 'halted') return { ...one, applied: applied + one.applied };
        applied += one.applied;
        from = one.nextOffset;
      }
      return { kind: 'applied', nextOffset: from, applied };
    }
  }

  /**
   * A new assignment. Halts of partitions this member no longer owns are dropped (their new owner
   * reads from the stored offset and halts on the record itself); halts of partitions it keeps
   * stay, paused. The stored offsets are read again: another instance may have moved them.
   */
  private assign(partitions: number[]): void {
    const { topic } = this.options;
    for (const partition of [...this.halts.keys()]) {
      if (partitions.includes(partition)) continue;
      this.halts.delete(partition);
      this.consumer.resume([{ topic, partitions: [partition] }]);
    }
    this.assigned = partitions;
    this.joined = true;
    this.verifying = this.reload().catch((error: unknown) =>
      this.options.logger?.error({ err: error, topic }, 'reading the stored offsets failed'),
    );
    this.options.onEvent?.({ type: 'assigned', partitions });
  }

  private async loadOffsets(): Promise<void> {
    const stored = await this.options.store.loadOffsets(this.options.topic);
    this.next.clear();
    for (const [partition, offset] of stored) this.next.set(partition, offset);
  }

  /**
   * Re-reads the stored offsets (after a fence, a generation swap or an assignment) and seeks every
   * assigned partition to them. A halted partition stays halted and paused: only an operator's
   * skip (retry) resumes it.
   */
  async reload(): Promise<void> {
    await this.loadOffsets();
    // Every partition is read again from its stored offset: batches handed over are not followed.
    this.handed.clear();
    if (this.state !== 'running') return;
    await this.verifyStoredOffsets();
    if (this.state !== 'running') return;
    const { topic } = this.options;
    for (const partition of this.assigned) {
      if (this.halts.has(partition)) continue;
      this.consumer.seek({ topic, partition, offset: this.next.get(partition) ?? '0' });
    }
  }

  /**
   * A stored offset beyond the end of its partition, or before its first record, means the topic
   * is not the one the model was built from (deleted and created again) or lost records the model
   * never read. kafkajs would reset such a fetch to the beginning and the model would skip records
   * without a word; the consumer fails instead, and the service exits with the reason.
   */
  private async verifyStoredOffsets(): Promise<void> {
    let mismatches = await this.offsetsOutsideTheLog();
    if (mismatches.length > 0) {
      // A newly elected leader may report an end offset behind the old one for a moment.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      mismatches = await this.offsetsOutsideTheLog();
    }
    if (mismatches.length === 0) mismatches = await this.anchorsThatDiffer();
    if (mismatches.length === 0 || this.state !== 'running') return;
    const error = new Error(
      `${this.options.topic} is not the topic this read model was built from: ${mismatches.join('; ')}. ` +
        'Rebuild the read model (or restore the topic); records are never skipped.',
    );
    this.state = 'crashed';
    this.crash = error;
    this.consumer.pause([{ topic: this.options.topic }]);
    this.options.logger?.error(
      { err: error, topic: this.options.topic },
      'stored offsets do not fit the topic',
    );
    this.options.onEvent?.({ type: 'crashed', error });
  }

  /**
   * Checks each owned partition against its anchor (the first record the model's topic had). A
   * partition the model holds nothing of, or whose anchor is missing (a store older than
   * anchors) or expired (retention), is anchored now.
   */
  private async anchorsThatDiffer(): Promise<string[]> {
    const { anchors } = this.options;
    if (anchors === undefined || this.assigned.length === 0) return [];
    const { topic } = this.options;
    const stored = await anchors.loadAnchors(topic);
    const differ: string[] = [];
    for (const { partition, low, high } of await this.admin.fetchTopicOffsets(topic)) {
      if (!this.assigned.includes(partition) || low === high) continue;
      const offsetAt = offsetAtTimestamp(this.admin, topic, partition);
      const anchor = stored.get(partition);
      const next = this.next.get(partition) ?? '0';
      if (anchor !== undefined && next !== '0') {
        const check = await checkAnchor(anchor, BigInt(low), offsetAt);
        if (check.kind === 'different') differ.push(`partition ${partition}: ${check.reason}`);
        if (check.kind !== 'expired') continue;
      }
      const found = await findAnchor(BigInt(low), offsetAt);
      if (found !== undefined) await anchors.saveAnchor(topic, partition, found);
    }
    return differ;
  }

  private async offsetsOutsideTheLog(): Promise<string[]> {
    const owned = new Set(this.assigned);
    if (owned.size === 0) return [];
    const mismatches: string[] = [];
    for (const { partition, low, high } of await this.admin.fetchTopicOffsets(this.options.topic)) {
      const stored = this.next.get(partition);
      if (!owned.has(partition) || stored === undefined) continue;
      if (BigInt(stored) > BigInt(high)) {
        mismatches.push(
          `partition ${partition}: stored offset ${stored} is beyond its end ${high}`,
        );
      } else if (BigInt(stored) < BigInt(low)) {
        mismatches.push(
          `partition ${partition}: stored offset ${stored} is before its first record ${low}`,
        );
      }
    }
    return mismatches;
  }

  /** Resumes a halted partition from its stored offset (after an operator recorded a skip). */
  retry(partition: number): void {
    const halt = this.halts.get(partition);
    if (halt === undefined) return;
    this.halts.delete(partition);
    const { topic } = this.options;
    const offset = this.next.get(partition) ?? halt.offset;
    if (this.state === 'running') {
      this.consumer.seek({ topic, partition, offset });
      this.consumer.resume([{ topic, partitions: [partition] }]);
    }
    this.options.onEvent?.({ type: 'resumed', partition, offset });
  }

  /** The halted partitions this instance owns. */
  halted(): readonly Halt[] {
    return [...this.halts.values()];
  }

  assignedPartitions(): readonly number[] {
    return this.assigned;
  }

  /** True once the group assigned partitions to this member (possibly none). */
  hasJoined(): boolean {
    return this.joined;
  }

  /**
   * Stored next offset against the high watermark, for the partitions this instance owns only:
   * another instance's partitions are its own business, not this one's lag.
   */
  async lag(): Promise<PartitionLag[]> {
    const owned = new Set(this.assigned);
    if (owned.size === 0) return [];
    const offsets = await this.admin.fetchTopicOffsets(this.options.topic);
    return offsets
      .filter(({ partition }) => owned.has(partition))
      .map(({ partition, high }) => {
        const nextOffset = this.next.get(partition) ?? '0';
        const lag = Math.max(0, Number(BigInt(high) - BigInt(nextOffset)));
        return { partition, nextOffset, highWatermark: high, lag };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  /** True while consuming: started, not stopped, and not crashed for good. */
  isRunning(): boolean {
    return this.state === 'running';
  }

  /** Why kafkajs gave up on the consumer, once it did. */
  failure(): unknown {
    return this.crash;
  }

  /** Stops fetching, lets the in-flight batch finish (its transaction commits), disconnects. */
  async stop(): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopped') {
      this.state = 'stopped';
      await this.admin.disconnect().catch(() => undefined);
      return;
    }
    this.state = 'stopped';
    await this.consumer.disconnect();
    // The batches handed over commit before the store may be closed.
    await Promise.all(this.inFlight.values());
    await this.admin.disconnect();
  }
}
