import { LRUCache } from 'lru-cache';
import {
  isFinalTransfer,
  mergeTransfer,
  type HoldView,
  type TransferView,
} from './state/process-state.js';
import type { StoredViews } from './state/stored-views.js';

export interface ProcessFeedOptions {
  /** Transfers and holds kept for status look-ups (memory stays bounded). */
  readonly recent?: number;
  /**
   * Views older than this instance's start (or pushed out of the recent ones): the stores of the
   * partitions it owns.
   */
  readonly stored?: StoredViews;
}

/**
 * The HTTP side's view of transfers and holds (ADR 0007), fed by the transfer and hold entries
 * of the state changelog from the moment the instance started: the source's and the
 * destination's partition each write their own view of a transfer, merged here. A request
 * waits for its transfer's end state here. A look-up also reads the stores of the partitions
 * this instance owns, so what happened before its start is known too.
 */
export class ProcessFeed {
  private readonly transfers: LRUCache<string, TransferView>;
  private readonly holds: LRUCache<string, HoldView>;
  private readonly waiting = new Map<string, Set<(view: TransferView) => void>>();
  private readonly stored: StoredViews | undefined;

  constructor(options: ProcessFeedOptions = {}) {
    this.transfers = new LRUCache({ max: options.recent ?? 10_000 });
    this.holds = new LRUCache({ max: options.recent ?? 10_000 });
    this.stored = options.stored;
  }

  transferOf(transferId: string): TransferView | undefined {
    const stored = this.stored?.transfers(transferId) ?? [];
    return stored.reduce<TransferView | undefined>(
      (merged, view) => mergeTransfer(merged, view),
      this.transfers.get(transferId),
    );
  }

  holdOf(holdId: string): HoldView | undefined {
    const recent = this.holds.get(holdId);
    const stored = this.stored?.hold(holdId);
    if (stored === undefined) return recent;
    return recent === undefined || stored.version > recent.version ? stored : recent;
  }

  onTransfer(view: TransferView): void {
    const merged = mergeTransfer(this.transfers.get(view.transferId), view);
    this.transfers.set(view.transferId, merged);
    if (!isFinalTransfer(merged.state)) return;
    for (const resolve of [...(this.waiting.get(view.transferId) ?? [])]) resolve(merged);
  }

  onHold(view: HoldView): void {
    const known = this.holds.get(view.holdId);
    // A hold's steps raise its account's version; a replayed older view never wins.
    if (known === undefined || view.version >= known.version) this.holds.set(view.holdId, view);
  }

  /** The transfer once final, or as far as it got when `timeoutMs` ran out (undefined: unseen). */
  waitForFinal(transferId: string, timeoutMs: number): Promise<TransferView | undefined> {
    const known = this.transfers.get(transferId);
    if (known !== undefined && isFinalTransfer(known.state)) return Promise.resolve(known);
    if (timeoutMs <= 0) return Promise.resolve(known);
    return new Promise((resolve) => {
      const set = this.waiting.get(transferId) ?? new Set();
      this.waiting.set(transferId, set);
      const done = (view: TransferView | undefined) => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiting.delete(transferId);
        resolve(view);
      };
      const timer = setTimeout(() => done(this.transfers.get(transferId)), timeoutMs);
      set.add(done);
    });
  }
}
