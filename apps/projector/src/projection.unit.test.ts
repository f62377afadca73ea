import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '@tally/ledger';
import { projectAll, projectEvent, projectEvents, type AccountRow } from './projection.js';

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

  it('folds a run of one account exactly as event by event (projectEvents)', () => {
    const closed: AccountEvent = { type: 'AccountClosed', ...env(6, 60) };
    const runs: AccountEvent[][] = [
      [open, dep(2, 100), wd(3, 30), dep(4, 50)],
      [open, dep(2, 100), dep(2, 100), wd(3, 30)], // duplicate inside the run
      [open, dep(2, 100), dep(4, 5), dep(5, 1)], // gap
      [open, dep(2, 1), wd(3, 1), dep(4, 1), dep(5, 1), closed, dep(7, 5)], // corrupt after close
    ];
    for (const run of runs) {
      for (let from = 0; from <= 2; from++) {
        const start = projectAll(run.slice(0, from)).accounts.get('a');
        const snapshot = start && { ...start };
        // event by event
        let row: AccountRow | undefined = start;
        const history = [];
        let duplicates = 0;
        let failure: unknown;
        for (const [index, event] of run.slice(from).entries()) {
          const r = projectEvent(row, event);
          if (r.kind === 'applied') {
            row = r.account;
            history.push(r.history);
          } else if (r.kind === 'duplicate') duplicates++;
          else {
            failure = { index, result: r };
            break;
          }
        }
        const fold = projectEvents(start, run.slice(from));
        expect(fold.account).toEqual(row);
        expect(fold.history).toEqual(history);
        expect(fold.duplicates).toBe(duplicates);
        expect(fold.failure).toEqual(failure);
        expect(start).toEqual(snapshot); // pure: the given row is not changed
      }
    }
  });
});
