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
  private readonly reportIndexes: ReportIndexes;

  private constructor(
    private readonly options: AuditServiceOptions,
    readonly readModel: ReadModelService,
    private readonly missingTopic: string | undefined,
    lags: ReadonlyMap<string, number>,
  ) {
    this.reportIndexes = new ReportIndexes(options, lags);
  }

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
    // The latest lag of each audited topic, for the report indexes (built once caught up).
    const lags = new Map<string, number>();
    let service: AuditService | undefined;
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
        if (event.type === 'lag') {
          lags.set(
            event.topic,
            event.lags.reduce((sum, l) => sum + l.lag, 0),
          );
          service?.reportIndexes.caughtUp(sources.length);
        }
        options.onEvent?.(event);
      },
      ...(options.onFailure ? { onFailure: options.onFailure } : {}),
    });
    service = new AuditService(options, readModel, missingTopic, lags);
    return service;
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
        name: 'report-indexes',
        check: () =>
          this.reportIndexes.state === 'built' || `report indexes ${this.reportIndexes.state}`,
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

/**
 * The store's report indexes, built once every audited topic is within the readiness lag (SQLite
 * appends without them during catch-up; ADR 0015). A failed build is logged and tried again at
 * the next lag reading; until one succeeds the service is not ready.
 */
class ReportIndexes {
  state: 'missing' | 'building' | 'built' = 'missing';

  constructor(
    private readonly options: AuditServiceOptions,
    private readonly lags: ReadonlyMap<string, number>,
  ) {}

  caughtUp(topics: number): void {
    if (this.state !== 'missing' || this.lags.size < topics) return;
    const lag = [...this.lags.values()].reduce((sum, l) => sum + l, 0);
    if (lag > (this.options.readyMaxLag ?? 10_000)) return;
    this.state = 'building';
    this.options.store.buildReportIndexes().then(
      () => (this.state = 'built'),
      (error: unknown) => {
        this.state = 'missing';
        this.options.logger.warn({ err: error }, 'building the report indexes failed; retrying');
      },
    );
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
