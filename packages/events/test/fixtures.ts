import { randomUUID } from 'node:crypto';
import type { AccountEvent, AccountOpened, MoneyDeposited, MoneyWithdrawn } from '@tally/ledger';

export const registryUrl = process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081';

function envelope(accountId: string, version: number) {
  return {
    eventId: randomUUID(),
    accountId,
    version,
    occurredAt: Date.UTC(2026, 10, 26, 9, 0, version),
    commandId: randomUUID(),
    correlationId: randomUUID(),
    actor: 'test',
  };
}

/** open, deposit 100, withdraw 30, deposit 50, close is not included (balance 120). */
export function seedEvents(accountId = `acc-${randomUUID().slice(0, 8)}`): AccountEvent[] {
  const opened: AccountOpened = {
    type: 'AccountOpened',
    ...envelope(accountId, 1),
    owner: 'Grace Hopper',
    currency: 'EUR',
    overdraftLimit: 0,
  };
  const deposit = (version: number, amount: number): MoneyDeposited => ({
    type: 'MoneyDeposited',
    ...envelope(accountId, version),
    amount,
    currency: 'EUR',
  });
  const withdrawal: MoneyWithdrawn = {
    type: 'MoneyWithdrawn',
    ...envelope(accountId, 3),
    amount: 30,
    currency: 'EUR',
  };
  return [
    opened,
    deposit(2, 100),
    withdrawal,
    deposit(4, 50),
    { type: 'AccountClosed', ...envelope(accountId, 5) },
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
  const [opened, deposit] = seedEvents(accountId);
  const [h1, h2, h3, t1, t2, t3] = Array.from({ length: 6 }, () => randomUUID());
  const at = (version: number) => envelope(accountId, version);
  const expiresAt = Date.UTC(2026, 10, 27, 9, 0, 0);
  const eur = { currency: 'EUR' };
  return [
    opened!,
    deposit!,
    { type: 'HoldPlaced', ...at(3), holdId: h1!, amount: 50, ...eur, expiresAt },
    { type: 'HoldCaptured', ...at(4), holdId: h1!, amount: 30, releasedAmount: 20, ...eur },
    { type: 'MoneyWithdrawn', ...at(5), amount: 30, ...eur },
    { type: 'HoldPlaced', ...at(6), holdId: h2!, amount: 10, ...eur, expiresAt },
    { type: 'HoldReleased', ...at(7), holdId: h2!, amount: 10, ...eur },
    { type: 'HoldPlaced', ...at(8), holdId: h3!, amount: 5, ...eur, expiresAt },
    { type: 'HoldExpired', ...at(9), holdId: h3!, amount: 5, ...eur, expiresAt },
    {
      type: 'TransferDebited',
      ...at(10),
      transferId: t1!,
      toAccountId: 'acc-b',
      amount: 20,
      ...eur,
    },
    {
      type: 'TransferCompleted',
      ...at(11),
      transferId: t1!,
      toAccountId: 'acc-b',
      amount: 20,
      ...eur,
    },
    {
      type: 'TransferDebited',
      ...at(12),
      transferId: t2!,
      toAccountId: 'acc-c',
      amount: 10,
      ...eur,
    },
    {
      type: 'TransferReversed',
      ...at(13),
      transferId: t2!,
      toAccountId: 'acc-c',
      amount: 10,
      ...eur,
      reason: 'ACCOUNT_CLOSED',
    },
    {
      type: 'TransferCredited',
      ...at(14),
      transferId: t3!,
      fromAccountId: 'acc-d',
      amount: 40,
      ...eur,
    },
  ];
}
