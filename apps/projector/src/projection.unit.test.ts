import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '@tally/ledger';
import { closed as closedAt, deposited, opened, withdrawn } from '@tally/testing';
import { foldBatch, projectAll, type AccountRow } from './projection.js';

const open = opened('a', 10);
const dep = (v: number, amount: number) => deposited('a', v, amount, v * 10);
const wd = (v: number, amount: number) => withdrawn('a', v, amount, v * 10);

const at = (events: readonly AccountEvent[]) =>
  events.map((event, i) => ({ offset: String(100 + i), event }));
const rows = (accounts: readonly AccountRow[]) => new Map(accounts.map((a) => [a.accountId, a]));

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

  it('ignores an already applied version, in the batch or stored', () => {
    const stored = rows(foldBatch(new Map(), at([open, dep(2, 100)])).accounts);
    const fold = foldBatch(stored, at([dep(2, 100), open, dep(3, 1), dep(3, 1)]));
    expect(fold.duplicates).toBe(3);
    expect(fold.history.map((h) => h.version)).toEqual([3]);
    expect(fold.accounts).toEqual([expect.objectContaining({ balance: 101, version: 3 })]);
  });

  it('halts at a version gap instead of skipping it, applying nothing after it', () => {
    const other = opened('b', 10);
    const fold = foldBatch(new Map(), at([open, dep(3, 5), other]));
    expect(fold.halt).toEqual({
      offset: '101',
      reason: 'version-gap',
      detail: 'account a version 3: expected version 2',
    });
    expect(fold.accounts.map((a) => a.accountId)).toEqual(['a']);
    expect(fold.history).toHaveLength(1);
  });

  it('halts at an event that does not fit the account', () => {
    const closed = closedAt('a', 2, 20);
    const fold = foldBatch(new Map(), at([open, closed, dep(3, 5)]));
    expect(fold.accounts).toEqual([expect.objectContaining({ status: 'closed', closedAt: 20 })]);
    expect(fold.halt).toMatchObject({ offset: '102', reason: expect.stringMatching(/^corrupt:/) });
  });

  it('gives the same rows whatever the batches, and leaves the stored rows untouched', () => {
    const b = (v: number, amount: number) => deposited('b', v, amount, v * 10);
    const events = [open, opened('b', 10), dep(2, 100), b(2, 7), wd(3, 30), b(3, 1), dep(4, 50)];
    const whole = foldBatch(new Map(), at(events));
    for (let split = 1; split < events.length; split++) {
      const first = foldBatch(new Map(), at(events.slice(0, split)));
      const stored = rows(first.accounts);
      const snapshot = structuredClone([...stored.values()]);
      const second = foldBatch(stored, at(events.slice(split)));
      expect([...stored.values()]).toEqual(snapshot);
      const merged = rows([...first.accounts, ...second.accounts]);
      expect(merged).toEqual(rows(whole.accounts));
      expect([...first.history, ...second.history]).toEqual(whole.history);
    }
  });
});

describe('holds and transfers in the read model (ADR 0007)', () => {
  const envelope = (version: number) => ({
    eventId: `e-${version}`,
    accountId: 'a',
    version,
    occurredAt: version * 10,
    commandId: `c-${version}`,
    correlationId: 'k',
    actor: 'test',
  });
  const events: AccountEvent[] = [
    open,
    dep(2, 1_000),
    {
      type: 'HoldPlaced',
      ...envelope(3),
      holdId: 'h',
      amount: 300,
      currency: 'EUR',
      expiresAt: 99_999,
    },
    {
      type: 'TransferDebited',
      ...envelope(4),
      transferId: 't',
      toAccountId: 'b',
      amount: 200,
      currency: 'EUR',
    },
    { type: 'HoldReleased', ...envelope(5), holdId: 'h', amount: 300, currency: 'EUR' },
    {
      type: 'TransferCompleted',
      ...envelope(6),
      transferId: 't',
      toAccountId: 'b',
      amount: 200,
      currency: 'EUR',
    },
  ];

  it('keeps live holds and unsettled transfers in the rows, so a later batch can end them', () => {
    // One event per batch: every step starts from the stored row.
    let stored = new Map<string, AccountRow>();
    const seen: Pick<AccountRow, 'balance' | 'held' | 'unsettled'>[] = [];
    for (const [i, event] of events.entries()) {
      const fold = foldBatch(stored, [{ offset: String(i), event }]);
      expect(fold.halt).toBeUndefined();
      stored = rows(fold.accounts);
      const row = stored.get('a') as AccountRow;
      seen.push({ balance: row.balance, held: row.held, unsettled: row.unsettled });
    }
    expect(seen.slice(2)).toEqual([
      { balance: 1_000, held: 300, unsettled: 0 },
      { balance: 800, held: 300, unsettled: 200 },
      { balance: 800, held: 0, unsettled: 200 },
      { balance: 800, held: 0, unsettled: 0 },
    ]);
    expect(projectAll(events).accounts.get('a')).toEqual(stored.get('a'));
  });
});
