import { AccountEventSerde } from '@tally/events';
import { PartitionConsumer, type KafkaClient, type PartitionConsumerEvent } from '@tally/kafka';
import type { Logger, ReadinessCheck } from '@tally/service';
import { signDigest } from './core/digest.js';
import { AuditIngestor, SchemaInfoCache } from './ingest.js';
import type { AuditMetrics } from './metrics.js';
import type { AuditStore } from './store/types.js';

export interface AuditServiceOptions {
  readonly kafka: KafkaClient;
  readonly store: AuditStore;
  readonly metrics: AuditMetrics;
  readonly logger: Logger;
  readonly registryUrl: string;
  readonly eventsTopic: string;
  /** Undefined: command outcomes are not audited. */
  readonly outcomesTopic?: string | undefined;
  readonly groupId: string;
  readonly maxBytesPerPartition?: number;
  readonly acknowledgedAnomalies?: number;
  readonly readyMaxLag?: number;
  readonly digestKey?: string | undefined;
  readonly digestIntervalMs?: number;
  readonly onEvent?: (event: PartitionConsumerEvent & { topic: string }) => void;
}

/** The ingesting side: one partition consumer per audited topic, offsets kept in the audit store. */
export class AuditService {
  readonly consumers: PartitionConsumer[] = [];
  private lagTimer: NodeJS.Timeout | undefined;
  private digestTimer: NodeJS.Timeout | undefined;
  private lastLag = new Map<string, number>();
  private missingTopic: string | undefined;

  private constructor(private readonly options: AuditServiceOptions) {}

  static async create(options: AuditServiceOptions): Promise<AuditService> {
    const service = new AuditService(options);
    const serde = await AccountEventSerde.connect({
      registryUrl: options.registryUrl,
      topic: options.eventsTopic,
    });
    const schemas = new SchemaInfoCache(options.registryUrl);
    service.add(
      options.eventsTopic,
      options.groupId,
      new AuditIngestor({
        store: options.store,
        kind: 'events',
        serde,
        schemas,
        metrics: options.metrics,
      }),
    );
    if (
      options.outcomesTopic !== undefined &&
      !(await topicExists(options.kafka, options.outcomesTopic))
    ) {
      // Never subscribe to a missing topic: the broker might auto-create it with the wrong spec.
      service.missingTopic = options.outcomesTopic;
      options.logger.error(
        { topic: options.outcomesTopic },
        'the outcomes topic does not exist (yet): outcomes are not audited until a restart; set AUDIT_INGEST_OUTCOMES=false to audit events only',
      );
    } else if (options.outcomesTopic !== undefined) {
      service.add(
        options.outcomesTopic,
        `${options.groupId}-outcomes`,
        new AuditIngestor({ store: options.store, kind: 'outcomes', metrics: options.metrics }),
      );
    }
    return service;
  }

  private readonly topics: string[] = [];

  private add(topic: string, groupId: string, store: AuditIngestor): void {
    const { kafka, logger, metrics } = this.options;
    this.topics.push(topic);
    this.consumers.push(
      new PartitionConsumer({
        kafka,
        topic,
        groupId,
        store,
        logger,
        maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
        onEvent: (event) => {
          if (event.type === 'applied') metrics.batchSeconds.observe(event.ms / 1_000);
          this.options.onEvent?.({ ...event, topic });
        },
      }),
    );
  }

  /** Starts consuming; resolves once every consumer joined its group. */
  async start(): Promise<void> {
    for (const consumer of this.consumers) await consumer.start();
    this.lagTimer = setInterval(() => void this.refreshLag(), 5_000);
    this.lagTimer.unref();
    const { digestKey, digestIntervalMs = 0 } = this.options;
    if (digestKey !== undefined && digestIntervalMs > 0) {
      this.digestTimer = setInterval(() => void this.signDigest(digestKey), digestIntervalMs);
      this.digestTimer.unref();
    }
  }

  async signDigest(key: string): Promise<void> {
    try {
      const digest = signDigest(await this.options.store.heads(), Date.now(), key);
      await this.options.store.saveDigest(digest);
      this.options.logger.info({ digest }, 'signed digest of the chain heads');
    } catch (error) {
      this.options.logger.error({ err: error }, 'signing a digest failed');
    }
  }

  async refreshLag(): Promise<ReadonlyMap<string, number>> {
    for (const [i, consumer] of this.consumers.entries()) {
      const topic = this.topics[i] as string;
      try {
        const lag = (await consumer.lag()).reduce((sum, p) => sum + p.lag, 0);
        this.lastLag.set(topic, lag);
        this.options.metrics.lag.set({ topic }, lag);
      } catch (error) {
        this.options.logger.warn({ err: error, topic }, 'lag unknown');
      }
    }
    return this.lastLag;
  }

  readiness(): ReadinessCheck[] {
    const { store, acknowledgedAnomalies = 0, readyMaxLag = 10_000 } = this.options;
    return [
      {
        name: 'consuming',
        check: () => this.consumers.every((c) => c.isRunning()) || 'a consumer is not running',
      },
      {
        name: 'outcomes-topic',
        check: () =>
          this.missingTopic === undefined ||
          `topic ${this.missingTopic} does not exist; restart once the intake created it`,
      },
      {
        name: 'caught-up',
        check: async () => {
          const lag = [...(await this.refreshLag()).values()].reduce((a, b) => a + b, 0);
          return lag <= readyMaxLag || `${lag} records not yet audited (max ${readyMaxLag})`;
        },
      },
      {
        name: 'anomalies',
        check: async () => {
          const { anomalies } = await store.counts();
          return (
            anomalies <= acknowledgedAnomalies ||
            `${anomalies} anomaly entries, ${acknowledgedAnomalies} acknowledged (see GET /audit/anomalies)`
          );
        },
      },
    ];
  }

  /** Stops fetching; the batch in flight commits; disconnects. */
  async stop(): Promise<void> {
    clearInterval(this.lagTimer);
    clearInterval(this.digestTimer);
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}

async function topicExists(kafka: KafkaClient, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}
