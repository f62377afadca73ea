import { AccountEventSerde, type RegistryAuth } from '@tally/events';
import {
  ReadModelService,
  type KafkaClient,
  type ReadModelEvent,
  type ReadModelSource,
} from '@tally/kafka';
import type { Logger, ReadinessCheck } from '@tally/service';
import { AuditIngestor } from './ingest.js';
import type { AuditMetrics } from './metrics.js';
import type { AuditStore } from './store/types.js';

export interface AuditServiceOptions {
  readonly kafka: KafkaClient;
  readonly store: AuditStore;
  readonly metrics: AuditMetrics;
  readonly logger: Logger;
  readonly registryUrl: string;
  /** Basic auth towards the registry (SCHEMA_REGISTRY_USERNAME / _PASSWORD), when it asks for it. */
  readonly registryAuth?: RegistryAuth | undefined;
  readonly eventsTopic: string;
  /** Undefined: command outcomes are not audited. */
  readonly outcomesTopic?: string | undefined;
  readonly groupId: string;
  readonly maxBytesPerPartition?: number;
  /** Least ms between fetch starts while records flow (KAFKA_FETCH_INTERVAL_MS). */
  readonly fetchIntervalMs?: number;
  readonly acknowledgedAnomalies?: number;
  readonly readyMaxLag?: number;
  readonly onEvent?: (event: ReadModelEvent) => void;
  /** A consumer crashed for good: the service shuts down with this failure. */
  readonly onFailure?: (error: unknown) => void;
}

/**
 * SQLite: a fetched partition batch is appended whole, not in slices of 1,000, and the store
 * commits the batches of one fetch in one transaction, so the pages of the entry table's indexes
 * are written once per fetch instead of once per 1,000 entries (ADR 0015). PostgreSQL keeps the
 * default slices: its store reads a batch's contents into memory before its transaction.
 */
const SQLITE_RECORDS_PER_APPLY = 20_000;

/**
 * The ingesting side: the audit log's chain on the shared read-model skeleton, one source per
 * audited topic, offsets kept in the audit store. Digests and the witness check run on their own
 * schedule (evidence.ts).
 */
export class AuditService {
  private constructor(
    private readonly options: AuditServiceOptions,
    readonly readModel: ReadModelService,
    private readonly missingTopic: string | undefined,
  ) {}

  static async create(options: AuditServiceOptions): Promise<AuditService> {
    const { kafka, store, metrics, logger, outcomesTopic } = options;
    const serde = await AccountEventSerde.connect({
      registryUrl: options.registryUrl,
      registryAuth: options.registryAuth,
      topic: options.eventsTopic,
    });
    const sources: ReadModelSource[] = [
      {
        topic: options.eventsTopic,
        groupId: options.groupId,
        store: AuditIngestor.events(store, serde, metrics),
        anchors: store,
        operation: 'append',
      },
    ];
    let missingTopic: string | undefined;
    if (outcomesTopic !== undefined && !(await topicExists(kafka, outcomesTopic))) {
      // Never subscribe to a missing topic: the broker might auto-create it with the wrong spec.
      missingTopic = outcomesTopic;
      logger.error(
        { topic: outcomesTopic },
        'the outcomes topic does not exist (yet): outcomes are not audited until a restart; set AUDIT_INGEST_OUTCOMES=false to audit events only',
      );
    } else if (outcomesTopic !== undefined) {
      sources.push({
        topic: outcomesTopic,
        groupId: `${options.groupId}-outcomes`,
        store: AuditIngestor.outcomes(store, metrics),
        anchors: store,
        operation: 'append',
      });
    }
    const readModel = new ReadModelService({
      kafka,
      sources,
      logger,
      pollMs: 5_000,
      readyMaxLag: options.readyMaxLag ?? 10_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 524_288,
      ...(store.kind === 'sqlite' ? { maxRecordsPerApply: SQLITE_RECORDS_PER_APPLY } : {}),
      fetchIntervalMs: options.fetchIntervalMs,
      onEvent: (event) => {
        metrics.consumer.observe(event);
        options.onEvent?.(event);
      },
      ...(options.onFailure ? { onFailure: options.onFailure } : {}),
      // SQLite appends without the indexes only reports read during catch-up (ADR 0015).
      afterCatchUp: {
        name: 'report-indexes',
        label: 'report indexes',
        run: () => store.buildReportIndexes(),
      },
    });
    return new AuditService(options, readModel, missingTopic);
  }

  /** Starts consuming; resolves once every consumer joined its group. */
  async start(): Promise<void> {
    await this.readModel.start();
  }

  /** The read model's checks (consumers, partitions, caught-up), the outcomes topic, anomalies. */
  readiness(): ReadinessCheck[] {
    const { store, acknowledgedAnomalies = 0 } = this.options;
    return [
      ...this.readModel.readiness(),
      {
        name: 'outcomes-topic',
        check: () =>
          this.missingTopic === undefined ||
          `topic ${this.missingTopic} does not exist; restart once the intake created it`,
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
    await this.readModel.stop();
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
