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

export type EventTypeName = 'AccountClosed' | 'AccountOpened' | 'MoneyDeposited' | 'MoneyWithdrawn';
