import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '@tally/ledger';
import { projectAll, projectEvent } from './projection.js';

const env = (version: number, occurredAt: number) => ({
  eventId: `00000000-0000-4000-8000-00000000000${version}`,
  accountId: 'a',
  version,
  occurredAt,
  commandId: 'c',
  correlationId: 'r',
  actor: 'x',
});
const open: AccountEvent = {
  type: 'AccountOpened',
  ...env(1, 10),
  owner: 'Ada',
  currency: 'EUR',
  overdraftLimit: 0,
};
const dep = (v: number, amount: number): AccountEvent => ({
  type: 'MoneyDeposited',
  ...env(v, v * 10),
  amount,
  currency: 'EUR',
});
const wd = (v: number, amount: number): AccountEvent => ({
  type: 'MoneyWithdrawn',
  ...env(v, v * 10),
  amount,
  currency: 'EUR',
});

describe('balance projection (pure fold)', () => {
  it('given open, deposit 100, withdraw 30, deposit 50 then balance 120 at version 4, with history', () => {
    const { accounts, history } = projectAll([open, dep(2, 100), wd(3, 30), dep(4, 50)]);
    expect(accounts.get('a')).toMatchObject({
      balance: 120,
      version: 4,
      status: 'open',
      openedAt: 10,
      updatedAt: 40,
    });
    expect(history.map((h) => [h.version, h.amount, h.balanceAfter])).toEqual([
      [1, 0, 0],
      [2, 100, 100],
      [3, -30, 70],
      [4, 50, 120],
    ]);
  });

  it('ignores an already applied version', () => {
    const { accounts } = projectAll([open, dep(2, 100)]);
    expect(projectEvent(accounts.get('a'), dep(2, 100))).toEqual({ kind: 'duplicate' });
    expect(projectEvent(accounts.get('a'), open)).toEqual({ kind: 'duplicate' });
  });

  it('reports a version gap instead of skipping', () => {
    const { accounts } = projectAll([open]);
    expect(projectEvent(accounts.get('a'), dep(3, 5))).toEqual({
      kind: 'gap',
      expected: 2,
      got: 3,
    });
    expect(projectEvent(undefined, dep(2, 5))).toEqual({ kind: 'gap', expected: 1, got: 2 });
  });

  it('reports an event that does not fit the account', () => {
    const closed: AccountEvent = { type: 'AccountClosed', ...env(2, 20) };
    const { accounts } = projectAll([open, closed]);
    expect(accounts.get('a')).toMatchObject({ status: 'closed', closedAt: 20 });
    expect(projectEvent(accounts.get('a'), dep(3, 5))).toMatchObject({ kind: 'corrupt' });
  });
});
