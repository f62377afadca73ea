import type { AccountEventSerde } from '@tally/events';
import { ReadModelService, type KafkaClient, type ReadModelOptions } from '@tally/kafka';
import type { Logger } from '@tally/service';
import { BalancesProjection } from './balances.js';
import type { CommitSignal } from './commit-signal.js';
import type { ProjectorMetrics } from './metrics.js';
import type { ReadModelStore } from './store/types.js';

export interface BalancesReadModelOptions {
  readonly kafka: KafkaClient;
  readonly topic: string;
  readonly groupId: string;
  readonly store: ReadModelStore;
  readonly serde: AccountEventSerde;
  readonly logger?: Logger;
  readonly metrics?: ProjectorMetrics;
  /** Told of every committed batch's accounts (wakes `?minVersion=` waits). */
  readonly commits?: CommitSignal;
  readonly pollMs?: number;
  readonly sessionTimeout?: number;
  readonly readyMaxLag?: number;
  /**
   * Fetch size per partition: bounds one batch (one transaction) and, times the partitions, the
   * memory replay holds (default 256 KiB; ADR 0015).
   */
  readonly maxBytesPerPartition?: number;
  /** Least ms between fetch starts while events flow (KAFKA_FETCH_INTERVAL_MS). */
  readonly fetchIntervalMs?: number;
  /** false: batch spans only, no span per record (a rebuild must not join old traces). */
  readonly recordSpans?: boolean;
  readonly onEvent?: ReadModelOptions['onEvent'];
  readonly onFailure?: ReadModelOptions['onFailure'];
}

/**
 * 256 KiB per partition: about 2,500 events per batch, one fetch of six partitions about 15,000
 * events. Replay holds two fetches (one written while the next is folded), as much as one fetch of
 * 512 KiB held before; the projector stays within 256 MB with a heap of 128 MiB. 1 MiB peaked near
 * 285 MiB and spent more CPU per event in the garbage collector (ADR 0015).
 */
const DEFAULT_FETCH_BYTES = 1 << 18;

/**
 * A fetched partition batch is applied whole, not in slices of 1,000: each account's row is then
 * loaded and written once per batch instead of about once per 1,000 events, and the store commits
 * once per fetch (ADR 0015).
 */
const RECORDS_PER_APPLY = 20_000;

/**
 * The balances fold on the shared read-model skeleton; an operator's skip resumes a halt. Once the
 * owned partitions are caught up (lag within readyMaxLag) it builds the store's query indexes,
 * which a new generation lacks while it replays (ADR 0015); until then it is not ready.
 */
export class BalancesReadModel extends ReadModelService {
  constructor(balances: BalancesReadModelOptions) {
    const { store, metrics } = balances;
    super({
      kafka: balances.kafka,
      sources: [
        {
          topic: balances.topic,
          groupId: balances.groupId,
          store: new BalancesProjection(store, balances.serde, metrics, balances.commits),
          anchors: store,
          operation: 'apply',
        },
      ],
      logger: balances.logger,
      skipRecorded: async (topic, partition, offset) =>
        (await store.skips(topic, partition)).some((s) => s.offset === offset),
      ...(balances.pollMs === undefined ? {} : { pollMs: balances.pollMs }),
      ...(balances.readyMaxLag === undefined ? {} : { readyMaxLag: balances.readyMaxLag }),
      sessionTimeout: balances.sessionTimeout,
      maxBytesPerPartition: balances.maxBytesPerPartition ?? DEFAULT_FETCH_BYTES,
      fetchIntervalMs: balances.fetchIntervalMs,
      maxRecordsPerApply: RECORDS_PER_APPLY,
      ...(balances.recordSpans === undefined ? {} : { recordSpans: balances.recordSpans }),
      onEvent: (event) => {
        metrics?.observe(event);
        balances.onEvent?.(event);
      },
      ...(balances.onFailure ? { onFailure: balances.onFailure } : {}),
      afterCatchUp: {
        name: 'query-indexes',
        label: 'query indexes',
        run: () => store.buildQueryIndexes(),
      },
    });
  }
}

export function balancesReadModel(options: BalancesReadModelOptions): BalancesReadModel {
  return new BalancesReadModel(options);
}
