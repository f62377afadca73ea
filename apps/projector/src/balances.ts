import type { AccountEventSerde } from '@tally/events';
import {
  isPoison,
  type ApplyResult,
  type HandedOver,
  type PartitionBatch,
  type PartitionStore,
} from '@tally/kafka';
import type { AccountEvent } from '@tally/ledger';
import type { CommitSignal } from './commit-signal.js';
import type { ProjectorMetrics } from './metrics.js';
import { foldBatch, type AccountRow, type FoldHalt } from './projection.js';
import type { ReadModelStore } from './store/types.js';

type Fetched = PartitionBatch['messages'][number];

/**
 * The shell around the pure fold, driven by the read-model service: decodes a batch, folds it onto
 * the stored rows and commits rows and the partition's next offset in one transaction. Halts a
 * partition, never skips, on an undecodable record, a version gap or an event that does not fit
 * its account; passes over a record only when an operator recorded a skip of it.
 */
export class BalancesProjection implements PartitionStore {
  /**
   * Per partition, the rows of the batches handed over and not yet known committed, and the
   * offset the newest of them stores: the next batch that continues from exactly that offset
   * folds onto these rows (the store does not have them yet); any other reads the store. A batch
   * folded onto them is fenced by that offset, so it commits only if they did.
   */
  private readonly pending = new Map<number, Pending>();

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
    return (await this.handOver(batch)).committed;
  }

  /** Decodes and folds the batch, and hands rows and offset to the store's transaction. */
  async handOver(batch: PartitionBatch): Promise<HandedOver> {
    const { store, serde } = this;
    const before = store.generation;
    if ((await store.refreshGeneration()) !== before) {
      this.pending.delete(batch.partition);
      return { committed: Promise.resolve({ kind: 'reload' }) };
    }
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
    const pending = this.continuing(batch);
    const fold = foldBatch(
      await this.loadAccounts(new Set(events.map((e) => e.event.accountId)), pending),
      events,
    );
    const halt = fold.halt ?? undecodable;
    // Only a halted record logs (its halt): its log lines name its correlation id. Not done for
    // every record, which made a log scope per record on every batch of a replay.
    const halted = fold.halt && events.find((e) => e.offset === fold.halt?.offset);
    if (halted) batch.scopes.correlate(halted.message, halted.event.correlationId);

    // 3. rows and offset in one transaction
    const nextOffset = halt ? halt.offset : batch.nextOffset;
    const written = store.commit({
      topic: batch.topic,
      partition: batch.partition,
      fromOffset: batch.fromOffset,
      nextOffset,
      accounts: fold.accounts,
      history: fold.history,
    });
    const rows = pending?.rows ?? new Map<string, AccountRow>();
    for (const account of fold.accounts) rows.set(account.accountId, account);
    const mine: Pending = { nextOffset, rows };
    this.pending.set(batch.partition, mine);
    const committed = written.then(
      (outcome) => {
        this.written(batch.partition, mine, outcome === 'committed' ? fold.accounts : undefined);
        return outcome === 'stale'
          ? { kind: 'reload' as const }
          : this.applied(batch, fold, halt, skipped, nextOffset);
      },
      (error: unknown) => {
        this.written(batch.partition, mine, undefined);
        throw error;
      },
    );
    // Handled by whoever awaits it; never an unhandled rejection meanwhile.
    committed.catch(() => undefined);
    return { committed };
  }

  /** The pending rows the batch continues from, if it continues from the newest handed over. */
  private continuing(batch: PartitionBatch): Pending | undefined {
    const pending = this.pending.get(batch.partition);
    if (pending?.nextOffset === batch.fromOffset) return pending;
    this.pending.delete(batch.partition);
    return undefined;
  }

  /** The rows of the given accounts: pending ones as handed over, the others from the store. */
  private async loadAccounts(
    ids: ReadonlySet<string>,
    pending: Pending | undefined,
  ): Promise<ReadonlyMap<string, AccountRow>> {
    if (pending === undefined || pending.rows.size === 0) return this.store.loadAccounts([...ids]);
    const rows = new Map<string, AccountRow>();
    const missing: string[] = [];
    for (const id of ids) {
      const row = pending.rows.get(id);
      if (row === undefined) missing.push(id);
      else rows.set(id, row);
    }
    if (missing.length === 0) return rows;
    for (const [id, row] of await this.store.loadAccounts(missing)) rows.set(id, row);
    return rows;
  }

  /**
   * A handed-over batch was written (committed: its rows) or not. Committed rows are in the store
   * now: dropped from the pending rows unless a later batch changed them. Not committed: the
   * batches folded onto it are fenced out, so the pending rows of its chain are dropped. Rows of
   * another chain (a partition read again from its stored offset) are not this batch's business.
   */
  private written(
    partition: number,
    mine: Pending,
    accounts: readonly AccountRow[] | undefined,
  ): void {
    const pending = this.pending.get(partition);
    if (pending?.rows !== mine.rows) return;
    if (accounts === undefined || pending === mine) {
      this.pending.delete(partition);
      return;
    }
    for (const account of accounts) {
      if (pending.rows.get(account.accountId) === account) pending.rows.delete(account.accountId);
    }
  }

  private applied(
    batch: PartitionBatch,
    fold: ReturnType<typeof foldBatch>,
    halt: FoldHalt | undefined,
    skipped: number,
    nextOffset: string,
  ): ApplyResult {
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

interface Pending {
  /** The offset the newest batch handed over stores: its continuation's fence. */
  readonly nextOffset: string;
  /** The newest row of each account changed by the batches handed over. */
  readonly rows: Map<string, AccountRow>;
}
