import type { PartitionStates } from './partition-states.js';
import { HOLD, TRANSFER, type HoldView, type TransferView } from './process-state.js';

/** Transfer and hold views kept in partition stores (ADR 0007 section 10, ADR 0012). */
export interface StoredViews {
  /** Every stored view of the transfer: the source's and the destination's partition each keep one. */
  transfers(transferId: string): TransferView[];
  hold(holdId: string): HoldView | undefined;
}

/**
 * The views in the stores of the partitions this instance has taken over: restored from the
 * changelog, so they survive a restart and move with the partition to whichever instance owns it.
 * Final views expire with the idempotency window, as in the store.
 */
export function ownedStoredViews(
  states: PartitionStates,
  owned: () => readonly number[],
  now: () => number,
): StoredViews {
  const views = <T>(kind: string, id: string): T[] =>
    owned().flatMap((partition) => {
      let value: string | undefined;
      try {
        value = states.store(partition).get(kind, id, now())?.value;
      } catch {
        // Released between the listing and the read: no longer this instance's to answer.
        return [];
      }
      return value === undefined ? [] : [JSON.parse(value) as T];
    });
  return {
    transfers: (transferId) => views<TransferView>(TRANSFER, transferId),
    hold: (holdId) => views<HoldView>(HOLD, holdId).at(0),
  };
}
