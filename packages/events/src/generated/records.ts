// Generated from packages/events/schemas/*.avsc by `pnpm schemas codegen`. Do not edit.

/** tally.account.AccountClosed: An account with a zero balance was closed; no movement follows. */
export interface AccountClosedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
}

/** tally.account.AccountOpened: An account was opened. */
export interface AccountOpenedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** The account holder's name. */
  owner: string;
  /** ISO 4217 alphabetic code of the account. */
  currency: string;
  /** How far below zero the balance may go, in minor units; 0 for none. */
  overdraftLimit: number;
}

/** tally.account.HoldCaptured: A hold ended by a capture of part or all of it; the rest was released. The money moves in the event that follows in the same command: MoneyWithdrawn or TransferDebited. */
export interface HoldCapturedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the hold (UUID): the id of the command that placed it. */
  holdId: string;
  /** Positive amount captured, in integer minor units, at most the held amount. */
  amount: number;
  /** The held amount minus the captured amount, available again; 0 or more. */
  releasedAmount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
}

/** tally.account.HoldExpired: A hold ended at its deadline, expired by the account's partition owner; its whole amount is available again. */
export interface HoldExpiredRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the hold (UUID): the id of the command that placed it. */
  holdId: string;
  /** The held amount released, in integer minor units of the currency. */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
  /** From when the hold can no longer be captured and may be expired, UTC milliseconds. */
  expiresAt: number;
}

/** tally.account.HoldPlaced: An amount of an account was reserved: its available balance fell, its balance did not. */
export interface HoldPlacedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the hold (UUID): the id of the command that placed it. */
  holdId: string;
  /** Positive amount held, in integer minor units of the currency. */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
  /** From when the hold can no longer be captured and may be expired, UTC milliseconds. */
  expiresAt: number;
}

/** tally.account.HoldReleased: A hold ended on request; its whole amount is available again. */
export interface HoldReleasedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the hold (UUID): the id of the command that placed it. */
  holdId: string;
  /** The held amount released, in integer minor units of the currency. */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
}

/** tally.account.MoneyDeposited: Money was paid into an account. */
export interface MoneyDepositedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Positive amount in integer minor units of the currency (cents for EUR). */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
}

/** tally.account.MoneyWithdrawn: Money was taken out of an account. */
export interface MoneyWithdrawnRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Positive amount in integer minor units of the currency (cents for EUR). */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
}

/** tally.account.TransferCompleted: The source learnt that the destination credited the transfer; the transfer is settled. Moves no money. On the source's stream. */
export interface TransferCompletedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the transfer (UUID): the id of the command that debited its source. */
  transferId: string;
  /** The destination account of the transfer. */
  toAccountId: string;
  /** The transfer's amount in integer minor units (moved by TransferDebited and TransferCredited, not by this event). */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
}

/** tally.account.TransferCredited: The destination account's balance rose by the amount of a transfer: the money arrived. On the destination's stream. */
export interface TransferCreditedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the transfer (UUID): the id of the command that debited its source. */
  transferId: string;
  /** The source account of the transfer. */
  fromAccountId: string;
  /** Positive amount in integer minor units of the currency, added to the destination. */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
}

/** tally.account.TransferDebited: The source account's balance fell by the amount of a transfer; the money is in flight until the destination credits it or the source gets it back. On the source's stream. */
export interface TransferDebitedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the transfer (UUID): the id of the command that debited its source. */
  transferId: string;
  /** The destination account of the transfer. */
  toAccountId: string;
  /** Positive amount in integer minor units of the currency, taken from the source. */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
}

/** tally.account.TransferReversed: The destination refused the transfer; the source's balance rose by its amount again. On the source's stream. */
export interface TransferReversedRecord {
  /** Unique id of this event (UUID). */
  eventId: string;
  /** The account this event belongs to; also the Kafka message key. */
  accountId: string;
  /** Per-account sequence number, from 1, without gaps. */
  version: number;
  /** When the command was accepted, UTC milliseconds. */
  occurredAt: number;
  /** Id of the command that produced this event. */
  commandId: string;
  /** Id that ties this event to the request that caused it. */
  correlationId: string;
  /** Who asked for the change. */
  actor: string;
  /** Id of the transfer (UUID): the id of the command that debited its source. */
  transferId: string;
  /** The destination account of the transfer. */
  toAccountId: string;
  /** The transfer's amount in integer minor units, given back to the source. */
  amount: number;
  /** ISO 4217 alphabetic code, equal to the account's currency. */
  currency: string;
  /** The rejection code of the destination's refusal, e.g. ACCOUNT_CLOSED or CURRENCY_MISMATCH. */
  reason: string;
}

export type EventTypeName =
  | 'AccountClosed'
  | 'AccountOpened'
  | 'HoldCaptured'
  | 'HoldExpired'
  | 'HoldPlaced'
  | 'HoldReleased'
  | 'MoneyDeposited'
  | 'MoneyWithdrawn'
  | 'TransferCompleted'
  | 'TransferCredited'
  | 'TransferDebited'
  | 'TransferReversed';
