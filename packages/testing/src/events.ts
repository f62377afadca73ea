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

/**
 * One account's story with every transfer and hold event (ADR 0007), in an order evolve accepts:
 * a hold captured as a withdrawal, one released, one expired, a transfer out completed, one
 * reversed, and a transfer in.
 */
export function transferAndHoldEvents(
  accountId = `acc-${randomUUID().slice(0, 8)}`,
): AccountEvent[] {
  const [h1, h2, h3, t1, t2, t3] = [1, 2, 3, 4, 5, 6].map(() => randomUUID()) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const at = (version: number) =>
    envelope(accountId, version, Date.UTC(2026, 10, 26, 9, 0, version));
  const expiresAt = Date.UTC(2026, 10, 27, 9, 0, 0);
  const eur = { currency: 'EUR' };
  return [
    ...seedEvents(accountId).slice(0, 2),
    { type: 'HoldPlaced', ...at(3), holdId: h1, amount: 50, ...eur, expiresAt },
    { type: 'HoldCaptured', ...at(4), holdId: h1, amount: 30, releasedAmount: 20, ...eur },
    { type: 'MoneyWithdrawn', ...at(5), amount: 30, ...eur },
    { type: 'HoldPlaced', ...at(6), holdId: h2, amount: 10, ...eur, expiresAt },
    { type: 'HoldReleased', ...at(7), holdId: h2, amount: 10, ...eur },
    { type: 'HoldPlaced', ...at(8), holdId: h3, amount: 5, ...eur, expiresAt },
    { type: 'HoldExpired', ...at(9), holdId: h3, amount: 5, ...eur, expiresAt },
    {
      type: 'TransferDebited',
      ...at(10),
      transferId: t1,
      toAccountId: 'acc-b',
      amount: 20,
      ...eur,
    },
    {
      type: 'TransferCompleted',
      ...at(11),
      transferId: t1,
      toAccountId: 'acc-b',
      amount: 20,
      ...eur,
    },
    {
      type: 'TransferDebited',
      ...at(12),
      transferId: t2,
      toAccountId: 'acc-c',
      amount: 10,
      ...eur,
    },
    {
      type: 'TransferReversed',
      ...at(13),
      transferId: t2,
      toAccountId: 'acc-c',
      amount: 10,
      ...eur,
      reason: 'ACCOUNT_CLOSED',
    },
    {
      type: 'TransferCredited',
      ...at(14),
      transferId: t3,
      fromAccountId: 'acc-d',
      amount: 40,
      ...eur,
    },
  ];
}
