import type { AccountEvent, TransferEvent } from './events.js';

/**
 * A transfer's life across its two accounts (ADR 0007), folded from its events in any order:
 * TransferDebited, TransferCompleted and TransferReversed come from the source's partition,
 * TransferCredited from the destination's, so a reader may see them interleaved either way.
 * What no correct run writes is a violation, returned as a value; the audit names it.
 */

export type TransferStep = 'debited' | 'credited' | 'completed' | 'reversed';

/**
 * - debited: money in flight. credited: landed, the source not yet told. completed, reversed:
 *   final. unmatched: a later step without the earlier one it needs (a credit or completion
 *   without debit, a completion without credit): legitimate only while the reader has not yet
 *   read that far on the other partition; a violation once it has.
 */
export type TransferStatus = TransferStep | 'unmatched';

export interface TransferRecord {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  /** The steps whose event was seen. */
  readonly steps: Readonly<Record<TransferStep, boolean>>;
  /** The destination's refusal code, once reversed. */
  readonly reason: string | null;
  readonly status: TransferStatus;
  /** Minor units of this transfer in flight: +amount for the debit, -amount for a landing. */
  readonly inFlight: number;
}

export type TransferViolationCode =
  /** the same step's event twice. */
  | 'DUPLICATE_STEP'
  /** both a credit and a reversal: the money would land twice. */
  | 'CREDITED_AND_REVERSED'
  /** both a completion and a reversal. */
  | 'COMPLETED_AND_REVERSED'
  /** the events disagree on accounts, amount or currency. */
  | 'MISMATCH';

export interface TransferViolation {
  readonly code: TransferViolationCode;
  readonly message: string;
  readonly transferId: string;
  /** The event that broke the transfer. */
  readonly eventId: string;
}

export type TransferFold =
  | { readonly ok: true; readonly transfer: TransferRecord }
  | { readonly ok: false; readonly violation: TransferViolation };

const STEP_OF = {
  TransferDebited: 'debited',
  TransferCredited: 'credited',
  TransferCompleted: 'completed',
  TransferReversed: 'reversed',
} as const satisfies Record<TransferEvent['type'], TransferStep>;

export function isTransferEvent(event: AccountEvent): event is TransferEvent {
  return Object.hasOwn(STEP_OF, event.type);
}

/** A transfer's events agree once it ends as completed or reversed. */
export function isFinal(status: TransferStatus): boolean {
  return status === 'completed' || status === 'reversed';
}

/** Adds one event of the transfer to what is known of it (undefined: nothing yet). */
export function foldTransfer(
  current: TransferRecord | undefined,
  event: TransferEvent,
): TransferFold {
  const step = STEP_OF[event.type];
  const fromAccountId = event.type === 'TransferCredited' ? event.fromAccountId : event.accountId;
  const toAccountId = event.type === 'TransferCredited' ? event.accountId : event.toAccountId;
  const violation = (code: TransferViolationCode, message: string): TransferFold => ({
    ok: false,
    violation: { code, message, transferId: event.transferId, eventId: event.eventId },
  });

  if (current !== undefined) {
    if (current.transferId !== event.transferId) {
      throw new TypeError(`${event.type} of ${event.transferId} folded into ${current.transferId}`);
    }
    const theirs = `${fromAccountId} -> ${toAccountId}, ${event.amount} ${event.currency}`;
    const ours =
      `${current.fromAccountId} -> ${current.toAccountId}, ` +
      `${current.amount} ${current.currency}`;
    if (theirs !== ours) {
      return violation('MISMATCH', `${event.type} (${theirs}) of transfer ${ours}`);
    }
    if (current.steps[step]) {
      return violation('DUPLICATE_STEP', `a second ${event.type} of transfer ${event.transferId}`);
    }
  }
  const steps = { ...(current?.steps ?? NO_STEPS), [step]: true };
  if (steps.reversed && steps.credited) {
    return violation(
      'CREDITED_AND_REVERSED',
      `transfer ${event.transferId} was credited and reversed: its money landed twice`,
    );
  }
  if (steps.reversed && steps.completed) {
    return violation(
      'COMPLETED_AND_REVERSED',
      `transfer ${event.transferId} was completed and reversed`,
    );
  }
  const amount = event.amount;
  return {
    ok: true,
    transfer: {
      transferId: event.transferId,
      fromAccountId,
      toAccountId,
      amount,
      currency: event.currency,
      steps,
      reason: event.type === 'TransferReversed' ? event.reason : (current?.reason ?? null),
      status: statusOf(steps),
      inFlight:
        (steps.debited ? amount : 0) -
        (steps.credited ? amount : 0) -
        (steps.reversed ? amount : 0),
    },
  };
}

const NO_STEPS: Readonly<Record<TransferStep, boolean>> = Object.freeze({
  debited: false,
  credited: false,
  completed: false,
  reversed: false,
});

function statusOf(steps: Readonly<Record<TransferStep, boolean>>): TransferStatus {
  if (!steps.debited || (steps.completed && !steps.credited)) return 'unmatched';
  if (steps.reversed) return 'reversed';
  if (steps.completed) return 'completed';
  return steps.credited ? 'credited' : 'debited';
}
