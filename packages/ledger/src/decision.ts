import type { FollowUp } from './commands.js';
import type { AccountEvent } from './events.js';

/**
 * Every reason decide may refuse a command. Stable: the HTTP layer maps each code to a status and
 * problem type, so add codes only with that mapping, and never rename one.
 */
export const REJECTION_CODES = [
  /** a field is missing or malformed (not an amount or currency problem), e.g. an empty owner. */
  'INVALID_COMMAND',
  /** amount or overdraft limit is not an integer of minor units in range. */
  'INVALID_AMOUNT',
  /** currency is not an active ISO 4217 alphabetic code. */
  'INVALID_CURRENCY',
  /** the account was never opened. */
  'ACCOUNT_NOT_FOUND',
  /** OpenAccount for an account id that is already taken (open or closed). */
  'ACCOUNT_ALREADY_EXISTS',
  /** the account is closed; nothing more can happen to it. */
  'ACCOUNT_CLOSED',
  /** expectedVersion differs from the account's current version. */
  'VERSION_CONFLICT',
  /** the movement's currency differs from the account's. */
  'CURRENCY_MISMATCH',
  /** the withdrawal would take the balance below -overdraftLimit. */
  'INSUFFICIENT_FUNDS',
  /** the deposit would take the balance above MAX_BALANCE_MINOR. */
  'BALANCE_LIMIT_EXCEEDED',
  /** CloseAccount while the balance is not 0. */
  'BALANCE_NOT_ZERO',
  /** CloseAccount while a hold is live. */
  'LIVE_HOLDS',
  /** CloseAccount while a transfer from the account is not yet completed or reversed. */
  'UNSETTLED_TRANSFERS',
  /** TransferMoney or a capture with the id of a transfer the account has not settled yet. */
  'TRANSFER_ALREADY_EXISTS',
  /** CompleteTransfer or ReverseTransfer for no unsettled transfer of the account. */
  'TRANSFER_NOT_FOUND',
  /** PlaceHold with the id of a live hold. */
  'HOLD_ALREADY_EXISTS',
  /** CaptureHold, ReleaseHold or ExpireHold for no live hold of the account. */
  'HOLD_NOT_FOUND',
  /** CaptureHold at or after the hold's expiresAt. */
  'HOLD_EXPIRED',
  /** ExpireHold before the hold's expiresAt. */
  'HOLD_NOT_EXPIRED',
  /** CaptureHold of more than the hold's amount. */
  'CAPTURE_EXCEEDS_HOLD',
  /** PlaceHold whose expiresAt is not after the command's time, or too far after it. */
  'INVALID_EXPIRY',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

/** JSON-safe values only, so details can go straight into an RFC 7807 problem document. */
export type RejectionDetailValue = string | number | boolean | null;

export interface Rejection {
  readonly code: RejectionCode;
  /** Says which field or rule, which value, and what is allowed. */
  readonly message: string;
  /** Machine-readable facts behind the message, e.g. { field: 'amount', value: 0 }. */
  readonly details: Readonly<Record<string, RejectionDetailValue>>;
}

export interface Accepted {
  readonly outcome: 'accepted';
  /** The events to append, in order, with versions state.version + 1, + 2, ... */
  readonly events: AccountEvent[];
  /** Commands for other accounts, written in the same transaction as the events (ADR 0007). */
  readonly followUps: FollowUp[];
}

export interface Rejected {
  readonly outcome: 'rejected';
  readonly rejection: Rejection;
  /** Commands a refusal still owes, e.g. the reversal of a refused credit (ADR 0007). */
  readonly followUps: FollowUp[];
}

/** What decide returns: a rejection never carries events. */
export type Decision = Accepted | Rejected;

export function accepted(events: AccountEvent[], followUps: FollowUp[] = []): Accepted {
  return { outcome: 'accepted', events, followUps };
}

export function rejected(
  code: RejectionCode,
  message: string,
  details: Readonly<Record<string, RejectionDetailValue>>,
): Rejected {
  return { outcome: 'rejected', rejection: { code, message, details }, followUps: [] };
}
