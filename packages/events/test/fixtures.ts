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
