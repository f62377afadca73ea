import type { CommandRecord } from '@tally/events';
import type { AccountEvent, AccountState, Decision } from '@tally/ledger';
import type { StateChange, StateEntry } from './partition-store.js';

/**
 * The process entities of ADR 0007 in a partition store, beside accounts and idempotency records:
 * what the HTTP side answers about a transfer or a hold, and the due index the expiry timer reads.
 * Each is derived from a decided command (its events, or the command when refused), so the
 * changelog carries it in the step's transaction and a restore brings it back.
 */
export const TRANSFER = 'transfer';
export const HOLD = 'hold';
/** Live holds by deadline: key `<expiresAt, 16 digits>/<holdId>`, value the account id. */
export const HOLD_DUE = 'hold-due';

export type TransferState = 'rejected' | 'debited' | 'credited' | 'completed' | 'reversed';

/** A transfer as the partitions of its two accounts know it. */
export interface TransferView {
  readonly transferId: string;
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly currency: string;
  readonly state: TransferState;
  /** The refusal's code: of the debit (rejected) or of the credit (reversed). */
  readonly reason: string | null;
  /** The source's version after its last step here; null until known. */
  readonly fromVersion: number | null;
  /** The destination's version after its credit; null until known. */
  readonly toVersion: number | null;
  /** Epoch ms of the last step known here. */
  readonly updatedAt: number;
}

export type HoldState = 'rejected' | 'live' | 'captured' | 'released' | 'expired';

export interface HoldView {
  readonly holdId: string;
  readonly accountId: string;
  readonly amount: number;
  readonly currency: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly state: HoldState;
  /** The capture's amount and the rest it released, once captured. */
  readonly capturedAmount: number | null;
  readonly releasedAmount: number | null;
  /** The transfer a capture with a destination started. */
  readonly transferId: string | null;
  readonly reason: string | null;
  /** The account's version after the hold's last step. */
  readonly version: number;
  /** Who placed it: the expiry is attributed to the same correlation id. */
  readonly correlationId: string;
  readonly updatedAt: number;
}

const TRANSFER_RANK: Record<TransferState, number> = {
  rejected: 0,
  debited: 1,
  credited: 2,
  completed: 3,
  reversed: 3,
};

export const isFinalTransfer = (state: TransferState): boolean =>
  state === 'rejected' || state === 'completed' || state === 'reversed';

/**
 * Two views of one transfer (from the source's and the destination's partition, or an older and
 * a newer one): the later state, and every version either knows. Steps only move forward.
 */
export function mergeTransfer(a: TransferView | undefined, b: TransferView): TransferView {
  if (a === undefined) return b;
  const later = TRANSFER_RANK[b.state] >= TRANSFER_RANK[a.state] ? b : a;
  return {
    ...later,
    reason: later.reason ?? a.reason ?? b.reason,
    fromVersion: maxOf(a.fromVersion, b.fromVersion),
    toVersion: maxOf(a.toVersion, b.toVersion),
    updatedAt: Math.max(a.updatedAt, b.updatedAt),
  };
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

export function dueKey(expiresAt: number, holdId: string): string {
  return `${String(expiresAt).padStart(16, '0')}/${holdId}`;
}

/** The highest due key at `now`: every hold whose deadline is at or before it sorts below. */
export function dueKeyLimit(now: number): string {
  return `${String(now).padStart(16, '0')}/\uffff`;
}

export function holdIdOfDueKey(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

export interface DecidedCommand {
  readonly record: CommandRecord;
  readonly decision: Decision;
  /** The account before and after the decision. */
  readonly before: AccountState;
  readonly after: AccountState;
  readonly occurredAt: number;
  /** When a final entity is forgotten: the decision time plus the idempotency window. */
  readonly forgetAt: number;
  /** The current entry of an entity (batch overlay first, then the store). */
  readonly entry: (kind: string, key: string) => StateEntry | undefined;
}

/**
 * The transfer and hold entries a decided command changes. A live hold and a transfer not yet
 * final on its source are kept for good (they are bounded by the account's state); every other
 * view is forgotten with the command's idempotency record, so the store stays bounded.
 */
export function processChanges(decided: DecidedCommand): StateChange[] {
  const { record, decision } = decided;
  const { command } = record;
  if (decision.outcome === 'rejected') {
    const reason = decision.rejection.code;
    if (command.type === 'TransferMoney') {
      return [
        transferChange(decided, {
          transferId: command.transferId,
          from: command.accountId,
          to: command.toAccountId,
          amount: command.amount,
          currency: command.currency,
          state: 'rejected',
          reason,
          fromVersion: decided.after.version,
          toVersion: null,
          updatedAt: decided.occurredAt,
        }),
      ];
    }
    if (command.type === 'PlaceHold') {
      return [
        holdChange(decided, {
          holdId: command.holdId,
          accountId: command.accountId,
          amount: command.amount,
          currency: command.currency,
          expiresAt: command.expiresAt,
          state: 'rejected',
          capturedAmount: null,
          releasedAmount: null,
          transferId: null,
          reason,
          version: decided.after.version,
          correlationId: record.correlationId,
          updatedAt: decided.occurredAt,
        }),
      ];
    }
    return [];
  }
  return decision.events.flatMap((event) => eventChanges(decided, event));
}

function eventChanges(decided: DecidedCommand, event: AccountEvent): StateChange[] {
  const at = event.occurredAt;
  switch (event.type) {
    case 'TransferDebited':
    case 'TransferCompleted':
    case 'TransferReversed':
      return [
        transferChange(decided, {
          transferId: event.transferId,
          from: event.accountId,
          to: event.toAccountId,
          amount: event.amount,
          currency: event.currency,
          state: STEP[event.type],
          reason: event.type === 'TransferReversed' ? event.reason : null,
          fromVersion: event.version,
          toVersion: null,
          updatedAt: at,
        }),
      ];
    case 'TransferCredited':
      return [
        transferChange(decided, {
          transferId: event.transferId,
          from: event.fromAccountId,
          to: event.accountId,
          amount: event.amount,
          currency: event.currency,
          state: 'credited',
          reason: null,
          fromVersion: null,
          toVersion: event.version,
          updatedAt: at,
        }),
      ];
    case 'HoldPlaced':
      return [
        holdChange(decided, {
          holdId: event.holdId,
          accountId: event.accountId,
          amount: event.amount,
          currency: event.currency,
          expiresAt: event.expiresAt,
          state: 'live',
          capturedAmount: null,
          releasedAmount: null,
          transferId: null,
          reason: null,
          version: event.version,
          correlationId: event.correlationId,
          updatedAt: at,
        }),
        { kind: HOLD_DUE, key: dueKey(event.expiresAt, event.holdId), value: event.accountId },
      ];
    case 'HoldCaptured':
    case 'HoldReleased':
    case 'HoldExpired': {
      const live = liveHold(decided, event.holdId);
      const captured = event.type === 'HoldCaptured';
      const movement =
        decided.decision.outcome === 'accepted' ? decided.decision.events[1] : undefined;
      return [
        holdChange(decided, {
          holdId: event.holdId,
          accountId: event.accountId,
          amount: live?.amount ?? event.amount,
          currency: event.currency,
          expiresAt: live?.expiresAt ?? (event.type === 'HoldExpired' ? event.expiresAt : 0),
          state: HOLD_END[event.type],
          capturedAmount: captured ? event.amount : null,
          releasedAmount: captured ? event.releasedAmount : null,
          transferId: movement?.type === 'TransferDebited' ? movement.transferId : null,
          reason: null,
          // The capture's movement follows in the same decision: the hold's last version is its.
          version: decided.after.version,
          correlationId: heldBy(decided, event.holdId) ?? event.correlationId,
          updatedAt: at,
        }),
        ...(live
          ? [{ kind: HOLD_DUE, key: dueKey(live.expiresAt, live.holdId), value: null }]
          : []),
      ];
    }
    case 'AccountOpened':
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'AccountClosed':
      return [];
  }
}

const STEP = {
  TransferDebited: 'debited',
  TransferCompleted: 'completed',
  TransferReversed: 'reversed',
} as const;

const HOLD_END = {
  HoldCaptured: 'captured',
  HoldReleased: 'released',
  HoldExpired: 'expired',
} as const;

function liveHold(decided: DecidedCommand, holdId: string) {
  const { before } = decided;
  return before.status === 'not-opened' ? undefined : before.holds.find((h) => h.holdId === holdId);
}

function heldBy(decided: DecidedCommand, holdId: string): string | undefined {
  const entry = decided.entry(HOLD, holdId);
  return entry === undefined ? undefined : (JSON.parse(entry.value) as HoldView).correlationId;
}

function transferChange(decided: DecidedCommand, view: TransferView): StateChange {
  const existing = decided.entry(TRANSFER, view.transferId);
  const previous =
    existing === undefined ? undefined : (JSON.parse(existing.value) as TransferView);
  const merged = mergeTransfer(previous, view);
  // The source keeps its transfer until it is final there; the destination's own view (and
  // every final one) goes with the idempotency window.
  const keep =
    merged.state === 'debited' ||
    (merged.state === 'credited' && previous !== undefined && existing?.expiresAt === null);
  return {
    kind: TRANSFER,
    key: view.transferId,
    value: JSON.stringify(merged),
    expiresAt: keep ? null : decided.forgetAt,
  };
}

function holdChange(decided: DecidedCommand, view: HoldView): StateChange {
  return {
    kind: HOLD,
    key: view.holdId,
    value: JSON.stringify(view),
    expiresAt: view.state === 'live' ? null : decided.forgetAt,
  };
}
