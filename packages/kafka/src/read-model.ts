import type { Logger, ReadinessCheck } from '@tally/service';
import {
  PartitionConsumer,
  type Halt,
  type PartitionConsumerEvent,
  type PartitionLag,
  type PartitionStore,
} from './partition-consumer.js';
import type { TopicAnchorStore } from './topic-anchor.js';
import type { KafkaClient } from './types.js';

/**
 * The skeleton every read model runs on (the projector's balances, the audit log): consumers whose
 * offsets live in the app's own store, lag over the partitions this instance owns, halted
 * partitions an operator's skip resumes, and honest readiness. An app supplies only its fold
 * behind a PartitionStore per topic, and its store.
 */

/** One topic read into the model. */
export interface ReadModelSource {
  readonly topic: string;
  /** The consumer group; it only spreads partitions over instances, offsets live in the store. */
  readonly groupId: string;
  /** The app's fold and store: applies a batch and stores its next offset in one transaction. */
  readonly store: PartitionStore;
  /** Where each partition's anchor is kept: a topic created again is then refused. */
  readonly anchors?: TopicAnchorStore;
  /** What applying a batch is called in its spans (`apply`, `append`); default `process`. */
  readonly operation?: string;
}

export type ReadModelEvent = PartitionConsumerEvent & { readonly topic: string };

export interface TopicHalt extends Halt {
  readonly topic: string;
}

export interface TopicLag extends PartitionLag {
  readonly topic: string;
}

export interface ReadModelOptions {
  readonly kafka: KafkaClient;
  readonly sources: readonly ReadModelSource[];
  readonly logger?: Logger | undefined;
  /**
   * Whether an operator recorded a skip of the record a partition halted on; if so the partition
   * resumes (the store passes over that record). Without it, halts last until a restart.
   */
  readonly skipRecorded?: (topic: string, partition: number, offset: string) => Promise<boolean>;
  /** How often lag is refreshed and halted partitions look for a skip (default 1 s). */
  readonly pollMs?: number;
  /** /readyz fails while the lag of the owned partitions is above this (default 10,000). */
  readonly readyMaxLag?: number;
  readonly sessionTimeout?: number | undefined;
  readonly maxBytesPerPartition?: number | undefined;
  /** Least ms between fetch starts while records flow (KAFKA_FETCH_INTERVAL_MS). */
  readonly fetchIntervalMs?: number | undefined;
  /** Most records per store transaction (PartitionConsumer's default unless given). */
  readonly maxRecordsPerApply?: number | undefined;
  /** false: batch spans only, no span per record (a rebuild must not join old traces). */
  readonly recordSpans?: boolean;
  readonly onEvent?: (event: ReadModelEvent) => void;
  /** Called once when a consumer crashed for good; the service shuts down with a failure. */
  readonly onFailure?: (error: unknown) => void;
  /** Work left for when the model has caught up, such as indexes not kept during catch-up. */
  readonly afterCatchUp?: AfterCatchUp;
}

/**
 * Run once, the first time the lag of the owned partitions is within `readyMaxLag` (a store appends
 * faster during catch-up without indexes that only queries read, and sorts them once at the end;
 * ADR 0015). Until it succeeds /readyz names it (`<label> missing|building`); a failure is logged
 * and run again at the next poll.
 */
export interface AfterCatchUp {
  /** The readiness check's name, e.g. `query-indexes`. */
  readonly name: string;
  /** What it is, in the check's answer, e.g. `query indexes`. */
  readonly label: string;
  readonly run: () => Promise<void>;
}

export class ReadModelService {
  private readonly consumers: { readonly topic: string; readonly consumer: PartitionConsumer }[];
  private timer: NodeJS.Timeout | undefined;
  private lastLag: readonly TopicLag[] = [];
  /** When the lag was last read from the brokers, and why the latest attempt failed. */
  private lagAt: number | undefined;
  private lagError: unknown;
  private ticking = false;
  private failed = false;
  private afterCatchUpState: 'missing' | 'building' | 'built' = 'missing';

  constructor(private readonly options: ReadModelOptions) {
    this.consumers = options.sources.map(({ topic, groupId, store, anchors, operation }) => ({
      topic,
      consumer: new PartitionConsumer({
        kafka: options.kafka,
        topic,
        groupId,
        store,
        anchors,
        operation,
        recordSpans: options.recordSpans,
        logger: options.logger,
        sessionTimeout: options.sessionTimeout,
        maxBytesPerPartition: options.maxBytesPerPartition,
        fetchIntervalMs: options.fetchIntervalMs,
        maxRecordsPerApply: options.maxRecordsPerApply,
        onEvent: (event) => this.observe(topic, event),
      }),
    }));
  }

  /** Starts every consumer; resolves once each joined its group. */
  async start(): Promise<void> {
    for (const { consumer } of this.consumers) await consumer.start();
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    void this.tick();
  }

  /** Stops fetching; the batches in flight commit; disconnects. Safe before start. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.consumers.map(({ consumer }) => consumer.stop()));
  }

  /** The partitions of each topic the group assigned to this instance. */
  assigned(): { readonly topic: string; readonly partitions: readonly number[] }[] {
    return this.consumers.map(({ topic, consumer }) => ({
      topic,
      partitions: consumer.assignedPartitions(),
    }));
  }

  /** Halted partitions this instance owns. */
  halts(): TopicHalt[] {
    return this.consumers.flatMap(({ topic, consumer }) =>
      consumer.halted().map((halt) => ({ topic, ...halt })),
    );
  }

  /** Lag per owned partition, as of the last refresh. */
  lag(): readonly TopicLag[] {
    return this.lastLag;
  }

  async refreshLag(): Promise<readonly TopicLag[]> {
    const lags = await Promise.all(
      this.consumers.map(async ({ topic, consumer }) =>
        (await consumer.lag()).map((lag) => ({ topic, ...lag })),
      ),
    );
    this.lastLag = lags.flat();
    this.lagAt = Date.now();
    this.lagError = undefined;
    return this.lastLag;
  }

  /** Re-reads the stored offsets of every consumer (e.g. after the store was swapped). */
  async reload(): Promise<void> {
    await Promise.all(this.consumers.map(({ consumer }) => consumer.reload()));
  }

  /** Consuming, no halted partition, caught up: what /readyz reports for the model. */
  readiness(): ReadinessCheck[] {
    return [
      {
        name: 'consumers',
        check: () => {
          for (const { topic, consumer } of this.consumers) {
            const failure = consumer.failure();
            if (failure !== undefined) return `${topic}: consumer crashed: ${String(failure)}`;
            if (!consumer.isRunning()) return `${topic}: consumer not running`;
            if (!consumer.hasJoined()) return `${topic}: joining the consumer group`;
          }
          return true;
        },
      },
      {
        name: 'partitions',
        check: () => {
          const halts = this.halts();
          return (
            halts.length === 0 ||
            halts
              .map(
                (h) =>
                  `${h.topic} partition ${h.partition} halted at offset ${h.offset}: ${h.reason} (${h.detail})`,
              )
              .join('; ')
          );
        },
      },
      {
        // From the lag the poll last read: asking the brokers here would hold /readyz as long as
        // a broker does not answer, and a probe that gets no answer restarts the service.
        name: 'caught-up',
        check: () => {
          const max = this.options.readyMaxLag ?? 10_000;
          if (this.lagAt === undefined) return 'lag not known yet';
          const age = Date.now() - this.lagAt;
          if (age > this.lagStaleMs()) {
            return `lag unknown for ${Math.round(age / 1000)} s: ${String(this.lagError ?? 'no answer yet')}`;
          }
          const lag = this.lastLag.reduce((sum, l) => sum + l.lag, 0);
          return lag <= max || `${lag} records behind (max ${max})`;
        },
      },
      ...(this.options.afterCatchUp === undefined
        ? []
        : [
            {
              name: this.options.afterCatchUp.name,
              check: () =>
                this.afterCatchUpState === 'built' ||
                `${this.options.afterCatchUp?.label} ${this.afterCatchUpState}`,
            },
          ]),
    ];
  }

  /** Runs the work left for after catch-up once the lag just read is within readyMaxLag. */
  private caughtUp(lags: readonly TopicLag[]): void {
    const task = this.options.afterCatchUp;
    if (task === undefined || this.afterCatchUpState !== 'missing') return;
    const lag = lags.reduce((sum, l) => sum + l.lag, 0);
    if (lag > (this.options.readyMaxLag ?? 10_000)) return;
    this.afterCatchUpState = 'building';
    task.run().then(
      () => (this.afterCatchUpState = 'built'),
      (error: unknown) => {
        this.afterCatchUpState = 'missing';
        this.options.logger?.warn({ err: error }, `${task.label}: failed after catch-up; retrying`);
      },
    );
  }

  /** How old the last lag reading may be before readiness calls it unknown. */
  private lagStaleMs(): number {
    return Math.max(10_000, 10 * (this.options.pollMs ?? 1_000));
  }

  /** Lag refresh, and resuming halted partitions whose record an operator skipped. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const lag = await this.refreshLag().catch((error: unknown) => {
        this.lagError = error;
        throw error;
      });
      for (const { topic } of this.consumers) {
        this.options.onEvent?.({ type: 'lag', topic, lags: lag.filter((l) => l.topic === topic) });
      }
      this.caughtUp(lag);
      const skipRecorded = this.options.skipRecorded;
      if (skipRecorded === undefined) return;
      for (const { topic, consumer } of this.consumers) {
        for (const halt of consumer.halted()) {
          if (await skipRecorded(topic, halt.partition, halt.offset)) {
            this.options.logger?.warn(
              { topic, ...halt },
              `partition ${halt.partition} resumes: an operator skipped offset ${halt.offset}`,
            );
            consumer.retry(halt.partition);
          }
        }
      }
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'read-model poll failed; trying again');
    } finally {
      this.ticking = false;
    }
  }

  private observe(topic: string, event: PartitionConsumerEvent): void {
    this.options.onEvent?.({ ...event, topic });
    if (event.type === 'crashed' && !this.failed) {
      this.failed = true;
      this.options.onFailure?.(event.error);
    }
  }
}
