import type { AccountEventSerde } from '@tally/events';
import { ReadModelService, type KafkaClient, type ReadModelOptions } from '@tally/kafka';
import type { Logger } from '@tally/service';
import { BalancesProjection } from './balances.js';
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
  readonly pollMs?: number;
  readonly sessionTimeout?: number;
  readonly readyMaxLag?: number;
  /** Fetch size per partition (bounds one batch, so one transaction). */
  readonly maxBytesPerPartition?: number;
  /** false: batch spans only, no span per record (a rebuild must not join old traces). */
  readonly recordSpans?: boolean;
  readonly onEvent?: ReadModelOptions['onEvent'];
  readonly onFailure?: ReadModelOptions['onFailure'];
}

/** The balances fold on the shared read-model skeleton; an operator's skip resumes a halt. */
export function balancesReadModel(options: BalancesReadModelOptions): ReadModelService {
  const { store, metrics } = options;
  return new ReadModelService({
    kafka: options.kafka,
    sources: [
      {
        topic: options.topic,
        groupId: options.groupId,
        store: new BalancesProjection(store, options.serde, metrics),
        operation: 'apply',
      },
    ],
    logger: options.logger,
    skipRecorded: async (topic, partition, offset) =>
      (await store.skips(topic, partition)).some((s) => s.offset === offset),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.readyMaxLag === undefined ? {} : { readyMaxLag: options.readyMaxLag }),
    sessionTimeout: options.sessionTimeout,
    maxBytesPerPartition: options.maxBytesPerPartition,
    ...(options.recordSpans === undefined ? {} : { recordSpans: options.recordSpans }),
    onEvent: (event) => {
      metrics?.observe(event);
      options.onEvent?.(event);
    },
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
  });
}
