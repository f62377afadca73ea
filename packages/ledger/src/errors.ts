/**
 * Errors the ledger throws. A thrown error always means a bug or corrupt data, never bad user
 * input: bad input is a Rejection returned by decide (see decision.ts).
 */

export type LedgerErrorCode = 'CORRUPT_EVENT_STREAM' | 'LEDGER_USAGE';

/** Base of every error the ledger throws; `code` is stable, the message is for people. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** Why an event does not fit the state it is applied to. */
export type CorruptEventStreamReason =
  /** version is not state.version + 1 (a gap, a duplicate or a reordering). */
  | 'VERSION_OUT_OF_SEQUENCE'
  /** the event belongs to another account than the state. */
  | 'ACCOUNT_MISMATCH'
  /** a movement or closure before AccountOpened. */
  | 'ACCOUNT_NOT_OPENED'
  /** a second AccountOpened. */
  | 'ACCOUNT_ALREADY_OPENED'
  /** any event after AccountClosed. */
  | 'ACCOUNT_CLOSED'
  /** a movement in another currency than the account's. */
  | 'CURRENCY_MISMATCH'
  /** an amount or overdraft limit that is not an integer in range. */
  | 'INVALID_AMOUNT'
  /** the balance would leave the range where JavaScript numbers are exact. */
  | 'BALANCE_OUT_OF_RANGE'
  /** a type this version of the ledger does not know. */
  | 'UNKNOWN_EVENT_TYPE'
  /** a hold event for a hold that is not live on the account. */
  | 'UNKNOWN_HOLD'
  /** HoldPlaced with the id of a hold that is still live. */
  | 'DUPLICATE_HOLD'
  /** TransferCompleted or TransferReversed for no unsettled transfer of the account. */
  | 'UNKNOWN_TRANSFER'
  /** TransferDebited with the id of a transfer the account has not settled yet. */
  | 'DUPLICATE_TRANSFER'
  /** an event ending a hold or transfer disagrees with it (amount, currency or counterparty). */
  | 'MISMATCH';

/**
 * Thrown by evolve when an event cannot follow the state: the stream is corrupt (or was read
 * wrongly). Consumers must stop and alert, never skip the event.
 */
export class CorruptEventStreamError extends LedgerError {
  constructor(
    readonly reason: CorruptEventStreamReason,
    message: string,
    /** Identifies the offending event. */
    readonly event: {
      readonly eventId: unknown;
      readonly accountId: unknown;
      readonly version: unknown;
      readonly type: unknown;
    },
    /** Version of the state the event was applied to. */
    readonly stateVersion: number,
  ) {
    super('CORRUPT_EVENT_STREAM', message);
    this.name = 'CorruptEventStreamError';
  }
}

export type LedgerUsageReason =
  /** metadata missing or malformed: ids, actor, occurredAt. */
  | 'INVALID_METADATA'
  /** the state passed to decide was folded from another account's events. */
  | 'STATE_ACCOUNT_MISMATCH';

/**
 * Thrown by decide when the caller (the shell, not the end user) broke the contract: metadata it
 * must supply is missing or malformed, or it passed the state of another account.
 */
export class LedgerUsageError extends LedgerError {
  constructor(
    readonly reason: LedgerUsageReason,
    message: string,
  ) {
    super('LEDGER_USAGE', message);
    this.name = 'LedgerUsageError';
  }
}
