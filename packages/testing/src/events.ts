import { randomUUID } from 'node:crypto';
import type { AccountEvent } from '@tally/ledger';

// Builders of valid account events for tests. Times default to a clock that moves one second per
// event, so that as-of queries and statements have distinct instants.
let clock = Date.parse('2026-03-02T09:00:00Z');

const envelope = (accountId: string, version: number, occurredAt?: number) => ({
  eventId: randomUUID(),
  accountId,
  version,
  occurredAt: occurredAt ?? (clock += 1_000),
  commandId: randomUUID(),
  correlationId: randomUUID(),
  actor: 'test',
});

export const opened = (
  accountId: string,
  at?: number,
  owner = 'Ada',
  currency = 'EUR',
): AccountEvent => ({
  type: 'AccountOpened',
  ...envelope(accountId, 1, at),
  owner,
  currency,
  overdraftLimit: 0,
});

export const deposited = (
  accountId: string,
  version: number,
  amount: number,
  at?: number,
  currency = 'EUR',
): AccountEvent => ({
  type: 'MoneyDeposited',
  ...envelope(accountId, version, at),
  amount,
  currency,
});

export const withdrawn = (
  accountId: string,
  version: number,
  amount: number,
  at?: number,
  currency = 'EUR',
): AccountEvent => ({
  type: 'MoneyWithdrawn',
  ...envelope(accountId, version, at),
  amount,
  currency,
});

export const closed = (accountId: string, version: number, at?: number): AccountEvent => ({
  type: 'AccountClosed',
  ...envelope(accountId, version, at),
});
