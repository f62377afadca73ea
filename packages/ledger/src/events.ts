/**
 * The account events: immutable facts, one Avro record each on `bank.account-events.v1`.
 * Field names are a contract with the Avro schemas in @tally/events; change them only together.
 */

/** What every event carries, whatever its type. */
export interface EventEnvelope {
  /** UUID of this event, supplied by the caller with the command (decide never invents ids). */
  eventId: string;
  accountId: string;
  /** Per-account sequence: 1 for AccountOpened, then +1 per event, without gaps. */
  version: number;
  /** Epoch milliseconds, taken from the command (decide never reads a clock). */
  occurredAt: number;
  commandId: string;
  correlationId: string;
  /** Who asked for the change (user, service or operator id). */
  actor: string;
}

export interface AccountOpened extends EventEnvelope {
  type: 'AccountOpened';
  owner: string;
  /** ISO 4217 alphabetic code; every movement of the account uses it. */
  currency: string;
  /** Minor units the balance may go below zero; 0 means no overdraft. */
  overdraftLimit: number;
}

export interface MoneyDeposited extends EventEnvelope {
  type: 'MoneyDeposited';
  /** Positive integer of minor units. */
  amount: number;
  currency: string;
}

export interface MoneyWithdrawn extends EventEnvelope {
  type: 'MoneyWithdrawn';
  /** Positive integer of minor units. */
  amount: number;
  currency: string;
}

export interface AccountClosed extends EventEnvelope {
  type: 'AccountClosed';
}

// Transfers (ADR 0007): TransferDebited, TransferCompleted and TransferReversed are on the source
// account's stream, TransferCredited on the destination's.

/** The source's balance fell by `amount`; the money is in flight until credited or reversed. */
export interface TransferDebited extends EventEnvelope {
  type: 'TransferDebited';
  transferId: string;
  toAccountId: string;
  /** Positive integer of minor units. */
  amount: number;
  currency: string;
}

/** The destination's balance rose by `amount`: the money arrived. */
export interface TransferCredited extends EventEnvelope {
  type: 'TransferCredited';
  transferId: string;
  fromAccountId: string;
  amount: number;
  currency: string;
}

/** The source learnt that the destination credited: the transfer is settled. Moves no money. */
export interface TransferCompleted extends EventEnvelope {
  type: 'TransferCompleted';
  transferId: string;
  toAccountId: string;
  amount: number;
  currency: string;
}

/** The destination refused; the source's balance rose by `amount` again. */
export interface TransferReversed extends EventEnvelope {
  type: 'TransferReversed';
  transferId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  /** The rejection code of the destination's refusal, e.g. ACCOUNT_CLOSED. */
  reason: string;
}

// Holds (ADR 0007): a reservation on one account, ended by exactly one of captured, released,
// expired.

/** `amount` is reserved: the available balance falls, the balance does not. */
export interface HoldPlaced extends EventEnvelope {
  type: 'HoldPlaced';
  holdId: string;
  amount: number;
  currency: string;
  /** Epoch ms from which the hold can no longer be captured and may be expired. */
  expiresAt: number;
}

/**
 * The hold ended by a capture of `amount`; `releasedAmount` (the rest) is available again. The
 * money moves in the event that follows in the same command: MoneyWithdrawn or TransferDebited.
 */
export interface HoldCaptured extends EventEnvelope {
  type: 'HoldCaptured';
  holdId: string;
  /** Positive integer of minor units, at most the hold's amount. */
  amount: number;
  /** The hold's amount minus `amount`; 0 or more. */
  releasedAmount: number;
  currency: string;
}

/** The hold ended on request; its whole amount is available again. */
export interface HoldReleased extends EventEnvelope {
  type: 'HoldReleased';
  holdId: string;
  amount: number;
  currency: string;
}

/** The hold ended at its deadline; its whole amount is available again. */
export interface HoldExpired extends EventEnvelope {
  type: 'HoldExpired';
  holdId: string;
  amount: number;
  currency: string;
  expiresAt: number;
}

export type TransferEvent =
  TransferDebited | TransferCredited | TransferCompleted | TransferReversed;

export type HoldEvent = HoldPlaced | HoldCaptured | HoldReleased | HoldExpired;

export type AccountEvent =
  AccountOpened | MoneyDeposited | MoneyWithdrawn | AccountClosed | TransferEvent | HoldEvent;

export type AccountEventType = AccountEvent['type'];

/** Every event type, e.g. for a schema registry check that no type lacks a schema. */
export const ACCOUNT_EVENT_TYPES = [
  'AccountOpened',
  'MoneyDeposited',
  'MoneyWithdrawn',
  'AccountClosed',
  'TransferDebited',
  'TransferCredited',
  'TransferCompleted',
  'TransferReversed',
  'HoldPlaced',
  'HoldCaptured',
  'HoldReleased',
  'HoldExpired',
] as const satisfies readonly AccountEventType[];
