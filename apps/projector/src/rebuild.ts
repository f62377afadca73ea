import type { AccountEventSerde } from '@tally/events';
import type { KafkaClient } from '@tally/kafka';
import { balancesReadModel } from './read-model.js';
import type { ReadModelStore } from './store/types.js';

export interface RebuildProgress {
  readonly applied: number;
  readonly eventsPerSecond: number;
  readonly lag: number;
  readonly etaSeconds: number | null;
  readonly elapsedSeconds: number;
}

export interface RebuildOptions {
  readonly kafka: KafkaClient;
  readonly topic: string;
  readonly serde: AccountEventSerde;
  /** Live store; the rebuild writes a new generation beside it. */
  readonly store: ReadModelStore;
  readonly groupId: string;
  /** false: build and leave the new generation inactive (for comparisons). */
  readonly swap?: boolean;
  readonly onProgress?: (progress: RebuildProgress) => void;
  readonly progressMs?: number;
}

/**
 * Folds the topic from offset 0 into a new generation while the live one keeps serving, until its
 * stored offsets reach the high watermarks of every partition, then swaps the views to it in one
 * transaction and drops the old generation. A halted partition stops the rebuild (nothing is
 * swapped). Progress is read from the new generation's own offsets, so it never counts a partition
 * as done before the group assigned it.
 */
export async function rebuild(
  options: RebuildOptions,
): Promise<{ generation: number; applied: number; seconds: number; store: ReadModelStore }> {
  const target = await options.store.createGeneration();
  let applied = 0;
  const readModel = balancesReadModel({
    kafka: options.kafka,
    topic: options.topic,
    groupId: options.groupId,
    store: target,
    serde: options.serde,
    pollMs: 60_000,
    // Old records keep their traces: the rebuild's batch spans link to them, never join them.
    recordSpans: false,
    onEvent: (e) => {
      if (e.type === 'applied') applied += e.applied;
    },
  });
  const admin = options.kafka.admin();
  await admin.connect();
  const started = Date.now();
  await readModel.start();
  try {
    let lastApplied = 0;
    let lastAt = started;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, options.progressMs ?? 1_000));
      const stored = await target.loadOffsets(options.topic);
      const lag = (await admin.fetchTopicOffsets(options.topic)).reduce(
        (sum, { partition, high }) =>
          sum + Math.max(0, Number(BigInt(high) - BigInt(stored.get(partition) ?? '0'))),
        0,
      );
      const now = Date.now();
      const rate = ((applied - lastApplied) * 1000) / Math.max(1, now - lastAt);
      lastApplied = applied;
      lastAt = now;
      options.onProgress?.({
        applied,
        eventsPerSecond: Math.round(rate),
        lag,
        etaSeconds: rate > 0 ? Math.ceil(lag / rate) : null,
        elapsedSeconds: (now - started) / 1000,
      });
      const halts = readModel.halts();
      if (halts.length > 0) {
        throw new Error(
          `rebuild stopped, nothing swapped: ${halts.map((h) => `partition ${h.partition} offset ${h.offset} ${h.reason} (${h.detail})`).join('; ')}`,
        );
      }
      if (lag === 0) break;
    }
  } finally {
    await readModel.stop();
    await admin.disconnect();
  }
  if (options.swap !== false) {
    await target.activate();
    await options.store.dropInactive();
  }
  return {
    generation: target.generation,
    applied,
    seconds: (Date.now() - started) / 1000,
    store: target,
  };
}
