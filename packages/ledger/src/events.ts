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

export type AccountEvent = AccountOpened | MoneyDeposited | MoneyWithdrawn | AccountClosed;

export type AccountEventType = AccountEvent['type'];

/** Every event type, e.g. for a schema registry check that no type lacks a schema. */
export const ACCOUNT_EVENT_TYPES = [
  'AccountOpened',
  'MoneyDeposited',
  'MoneyWithdrawn',
  'AccountClosed',
] as const satisfies readonly AccountEventType[];
