import type { AccountEventSerde } from '@tally/events';
import { isPoison, type ApplyResult, type PartitionBatch, type PartitionStore } from '@tally/kafka';
import type { AccountEvent } from '@tally/ledger';
import type { CommitSignal } from './commit-signal.js';
import type { ProjectorMetrics } from './metrics.js';
import { foldBatch, type FoldHalt } from './projection.js';
import type { ReadModelStore } from './store/types.js';

type Fetched = PartitionBatch['messages'][number];

/**
 * The shell around the pure fold, driven by the read-model service: decodes a batch, folds it onto
 * the stored rows and commits rows and the partition's next offset in one transaction. Halts a
 * partition, never skips, on an undecodable record, a version gap or an event that does not fit
 * its account; passes over a record only when an operator recorded a skip of it.
 */
export class BalancesProjection implements PartitionStore {
  constructor(
    private readonly store: ReadModelStore,
    private readonly serde: AccountEventSerde,
    private readonly metrics?: ProjectorMetrics,
    private readonly commits?: CommitSignal,
  ) {}

  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.store.loadOffsets(topic);
  }

  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    const { store, serde } = this;
    const before = store.generation;
    if ((await store.refreshGeneration()) !== before) return { kind: 'reload' };
    const skips = new Set((await store.skips(batch.topic, batch.partition)).map((s) => s.offset));

    // 1. decode, up to the first record that is not an account event
    const events: { offset: string; event: AccountEvent; message: Fetched }[] = [];
    let undecodable: FoldHalt | undefined;
    let skipped = 0;
    for (const message of batch.messages) {
      if (skips.has(message.offset)) {
        skipped++;
        continue;
      }
      try {
        // Synchronous once the writer schema id is known (every record but the first per id).
        const event = serde.decodeCached(message.value) ?? (await serde.decode(message.value));
        events.push({ offset: message.offset, event, message });
      } catch (error) {
        // The registry unreachable is not poison: thrown, the batch is retried.
        if (!isPoison(error)) throw error;
        undecodable = {
          offset: message.offset,
          reason: `undecodable:${error.reason}`,
          detail: error.message,
        };
        break;
      }
    }

    // 2. fold onto the stored rows, up to the first event that does not apply
    const fold = foldBatch(
      await store.loadAccounts([...new Set(events.map((e) => e.event.accountId))]),
      events,
    );
    const halt = fold.halt ?? undecodable;
    // Only a halted record logs (its halt): its log lines name its correlation id. Not done for
    // every record, which made a log scope per record on every batch of a replay.
    const halted = fold.halt && events.find((e) => e.offset === fold.halt?.offset);
    if (halted) batch.scopes.correlate(halted.message, halted.event.correlationId);

    // 3. rows and offset in one transaction
    const nextOffset = halt ? halt.offset : batch.nextOffset;
    const outcome = await store.commit({
      topic: batch.topic,
      partition: batch.partition,
      fromOffset: batch.fromOffset,
      nextOffset,
      accounts: fold.accounts,
      history: fold.history,
    });
    if (outcome === 'stale') return { kind: 'reload' };
    this.commits?.committed(fold.accounts.map((a) => a.accountId));
    if (this.metrics) {
      const partition = String(batch.partition);
      if (fold.duplicates > 0) this.metrics.duplicates.inc({ partition }, fold.duplicates);
      if (skipped > 0) this.metrics.skipped.inc({ partition }, skipped);
    }
    return halt
      ? { kind: 'halted', ...halt, applied: fold.history.length }
      : { kind: 'applied', nextOffset, applied: fold.history.length };
  }
}
