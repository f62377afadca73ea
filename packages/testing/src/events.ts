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

export const opened = (accountId: string, at?: number, owner = 'Ada'): AccountEvent => ({
  type: 'AccountOpened',
  ...envelope(accountId, 1, at),
  owner,
  currency: 'EUR',
  overdraftLimit: 0,
});

export const deposited = (
  accountId: string,
  version: number,
  amount: number,
  at?: number,
): AccountEvent => ({
  type: 'MoneyDeposited',
  ...envelope(accountId, version, at),
  amount,
  currency: 'EUR',
});

export const withdrawn = (
  accountId: string,
  version: number,
  amount: number,
  at?: number,
): AccountEvent => ({
  type: 'MoneyWithdrawn',
  ...envelope(accountId, version, at),
  amount,
  currency: 'EUR',
});

export const closed = (accountId: string, version: number, at?: number): AccountEvent => ({
  type: 'AccountClosed',
  ...envelope(accountId, version, at),
});

/**
 * `accounts` accounts with `perAccount` events each (open, then deposits), interleaved version by
 * version so that every batch touches many accounts, as a busy ledger does.
 */
export function manyEvents(
  prefix: string,
  accounts: number,
  perAccount: number,
  t0 = 1_700_000_000_000,
): AccountEvent[] {
  const events: AccountEvent[] = [];
  for (let v = 1; v <= perAccount; v++) {
    for (let a = 0; a < accounts; a++) {
      const id = `${prefix}-${a}`;
      events.push(v === 1 ? opened(id, t0 + v) : deposited(id, v, (a % 7) + v, t0 + v));
    }
  }
  return events;
}

/**
 * The seed scenario of one account: open, deposit 100, withdraw 30, deposit 50 (balance 120), then
 * a close, on fixed instants; a new account id each call unless one is given.
 */
export function seedEvents(accountId = `acc-${randomUUID().slice(0, 8)}`): AccountEvent[] {
  const at = (version: number) => Date.UTC(2026, 10, 26, 9, 0, version);
  return [
    opened(accountId, at(1), 'Grace Hopper'),
    deposited(accountId, 2, 100, at(2)),
    withdrawn(accountId, 3, 30, at(3)),
    deposited(accountId, 4, 50, at(4)),
    closed(accountId, 5, at(5)),
  ];
}
