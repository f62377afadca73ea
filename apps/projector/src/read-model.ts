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
   * memory replay holds (default 1 MiB; ADR 0015).
   */
  readonly maxBytesPerPartition?: number;
  readonly onEvent?: ReadModelOptions['onEvent'];
  readonly onFailure?: ReadModelOptions['onFailure'];
}

/**
 * 1 MiB per partition: about 10,000 events per batch, large enough that a transaction's fixed cost
 * vanishes, small enough that six partitions of fetched and decoded records stay near 100 MB.
 */
const DEFAULT_FETCH_BYTES = 1 << 20;

/** The balances fold on the shared read-model skeleton; an operator's skip resumes a halt. */
export function balancesReadModel(options: BalancesReadModelOptions): ReadModelService {
  const { store, metrics } = options;
  return new ReadModelService({
    kafka: options.kafka,
    sources: [
      {
        topic: options.topic,
        groupId: options.groupId,
        store: new BalancesProjection(store, options.serde, metrics, options.commits),
      },
    ],
    logger: options.logger,
    skipRecorded: async (topic, partition, offset) =>
      (await store.skips(topic, partition)).some((s) => s.offset === offset),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.readyMaxLag === undefined ? {} : { readyMaxLag: options.readyMaxLag }),
    sessionTimeout: options.sessionTimeout,
    maxBytesPerPartition: options.maxBytesPerPartition ?? DEFAULT_FETCH_BYTES,
    onEvent: (event) => {
      metrics?.observe(event);
      options.onEvent?.(event);
    },
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
  });
}
