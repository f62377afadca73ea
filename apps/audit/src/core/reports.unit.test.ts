import type { AccountEvent } from '@tally/ledger';
import { deposited, opened as openedEvent, withdrawn } from '@tally/testing';
import { describe, expect, it } from 'vitest';
import { buildDailySummary, buildStatement, versionOrder, type AuditedEvent } from './reports.js';
import { statementCsv } from './statement-csv.js';
import { statementHtml } from './statement-html.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const day = {
  date: '2026-03-02',
  from: Date.parse('2026-03-02T00:00:00Z'),
  to: Date.parse('2026-03-03T00:00:00Z'),
};
const at = (minutes: number) => T0 + minutes * 60_000;
const opened = (minutes: number, accountId = 'acc-1', currency = 'EUR') =>
  openedEvent(accountId, at(minutes), 'Ada', currency);
const deposit = (
  version: number,
  minutes: number,
  amount: number,
  accountId = 'acc-1',
  currency = 'EUR',
) => deposited(accountId, version, amount, at(minutes), currency);
const withdraw = (
  version: number,
  minutes: number,
  amount: number,
  accountId = 'acc-1',
  currency = 'EUR',
) => withdrawn(accountId, version, amount, at(minutes), currency);
const seed: AccountEvent[] = [opened(0), deposit(2, 1, 100), withdraw(3, 2, 30), deposit(4, 3, 50)];
const meta = { generatedAt: T0 };

describe('statement', () => {
  it('seed scenario: opening 0, running 100/70/120, closing 120', () => {
    const s = buildStatement('acc-1', seed, day);
    expect(s.openingBalance).toBe(0n);
    expect(s.movements.map((m) => m.balance)).toEqual([100n, 70n, 120n]);
    expect(s.movements.map((m) => m.amount)).toEqual([100n, -30n, 50n]);
    expect(s.closingBalance).toBe(120n);
    expect(s.totalIn).toBe(150n);
    expect(s.totalOut).toBe(30n);
    expect(s.gaps).toEqual([]);
  });

  it('takes the opening balance from the events before the period', () => {
    const s = buildStatement('acc-1', seed, { from: T0 + 90_000, to: day.to });
    expect(s.openingBalance).toBe(100n);
    expect(s.openingVersion).toBe(2);
    expect(s.movements.map((m) => m.balance)).toEqual([70n, 120n]);
    expect(s.closingBalance).toBe(120n);
  });

  it('sums past 2^53 exactly', () => {
    const big = 99_999_999_999_999;
    const events = [opened(0), ...Array.from({ length: 91 }, (_, i) => deposit(i + 2, 1, big))];
    const s = buildStatement('acc-1', events, day);
    expect(s.totalIn).toBe(9_099_999_999_999_909n);
    expect(s.closingBalance).toBe(9_099_999_999_999_909n);
    expect(statementCsv(s)).toContain('9099999999999909');
  });

  it('counts a redelivered version once and folds in version order, whatever the arrival order', () => {
    const shuffled = [seed[0]!, seed[2]!, seed[1]!, seed[1]!, seed[3]!];
    const s = buildStatement('acc-1', shuffled, day);
    expect(s.movements.map((m) => m.balance)).toEqual([100n, 70n, 120n]);
    expect(versionOrder(shuffled).duplicates).toBe(1);
  });

  it('cuts periods in version order when a later version carries an earlier time', () => {
    // Version 3 was stamped before version 2 (two intake instances, clocks apart).
    const skewed = [opened(0), deposit(2, 10, 100), withdraw(3, 5, 30), deposit(4, 20, 50)];
    // The bound at minute 8 falls after version 3's stamp: the cut is after version 3.
    const s = buildStatement('acc-1', skewed, { from: T0 + 8 * 60_000, to: day.to });
    expect(s.openingVersion).toBe(3);
    expect(s.openingBalance).toBe(70n);
    expect(s.movements.map((m) => [m.version, m.balance])).toEqual([[4, 120n]]);
    // Opening + movements = closing, and every balance is one the account really had.
    const first = buildStatement('acc-1', skewed, { from: day.from, to: T0 + 8 * 60_000 });
    expect(first.closingBalance).toBe(s.openingBalance);
    expect(first.movements.map((m) => m.balance)).toEqual([100n, 70n]);
  });

  it('reports a version gap and a conflicting version instead of hiding them', () => {
    const events = [
      opened(0),
      deposit(2, 1, 100),
      deposit(5, 2, 7),
      { ...deposit(5, 3, 9), eventId: 'other' },
    ];
    const s = buildStatement('acc-1', events, day);
    expect(s.gaps).toEqual([{ accountId: 'acc-1', expected: 3, got: 5 }]);
    expect(s.conflicts).toEqual([
      { accountId: 'acc-1', version: 5, kept: events[2]!.eventId, other: 'other' },
    ]);
    expect(statementHtml(s, meta)).toContain('Versions 3–4 of this account are missing');
  });

  it('shows transfers out, in and returned as movements; holds move no balance', () => {
    const envelope = (version: number, minutes: number) => ({
      ...deposit(version, minutes, 1),
      type: undefined,
    });
    const events: AccountEvent[] = [
      ...seed,
      {
        ...envelope(5, 4),
        type: 'TransferDebited',
        transferId: 't1',
        toAccountId: 'acc-2',
        amount: 40,
        currency: 'EUR',
      },
      {
        ...envelope(6, 5),
        type: 'HoldPlaced',
        holdId: 'h1',
        amount: 10,
        currency: 'EUR',
        expiresAt: T0,
      },
      {
        ...envelope(7, 6),
        type: 'TransferReversed',
        transferId: 't1',
        toAccountId: 'acc-2',
        amount: 40,
        currency: 'EUR',
        reason: 'ACCOUNT_CLOSED',
      },
      {
        ...envelope(8, 7),
        type: 'TransferCredited',
        transferId: 't2',
        fromAccountId: 'acc-3',
        amount: 5,
        currency: 'EUR',
      },
    ];
    const s = buildStatement('acc-1', events, day);
    expect(s.movements.map((m) => [m.type, m.counterparty, m.amount, m.balance])).toEqual([
      ['MoneyDeposited', null, 100n, 100n],
      ['MoneyWithdrawn', null, -30n, 70n],
      ['MoneyDeposited', null, 50n, 120n],
      ['TransferDebited', 'acc-2', -40n, 80n],
      ['TransferReversed', 'acc-2', 40n, 120n],
      ['TransferCredited', 'acc-3', 5n, 125n],
    ]);
    expect([s.totalIn, s.totalOut, s.closingVersion]).toEqual([195n, 70n, 8]);
    const html = statementHtml(s, meta);
    expect(html).toContain('Transfer to acc-2 returned');
    expect(html).toContain('Transfer from acc-3');
    const daily = buildDailySummary(day, events, [], []);
    expect({ ...daily.netByCurrency }).toEqual({ EUR: 125n });
    expect({ ...daily.byType['HoldPlaced']!.byCurrency }).toEqual({ EUR: 10n });
  });

  it('reports a statement whose opening event is missing (it became an anomaly)', () => {
    const s = buildStatement('acc-1', seed.slice(1), day);
    expect(s.status).toBe('not-opened');
    expect(s.gaps).toEqual([{ accountId: 'acc-1', expected: 1, got: 2 }]);
  });
});

describe('daily summary', () => {
  it('counts and sums by event type per currency, refused commands by code, that day only', () => {
    const events: AuditedEvent[] = [
      ...seed,
      opened(0, 'acc-jp', 'JPY'),
      deposit(2, 1, 500, 'acc-jp', 'JPY'),
      opened(0, 'acc-bh', 'BHD'),
      deposit(2, 1, 1_234, 'acc-bh', 'BHD'),
      deposit(3, 24 * 60, 1, 'acc-bh', 'BHD'), // the next day
    ];
    const outcomes = [
      {
        commandType: 'WithdrawMoney',
        outcome: 'rejected' as const,
        decidedAt: T0,
        rejection: { code: 'INSUFFICIENT_FUNDS' },
      },
      {
        commandType: 'WithdrawMoney',
        outcome: 'rejected' as const,
        decidedAt: T0,
        rejection: { code: 'INSUFFICIENT_FUNDS' },
      },
      { commandType: 'DepositMoney', outcome: 'accepted' as const, decidedAt: T0, rejection: null },
      {
        commandType: 'DepositMoney',
        outcome: 'rejected' as const,
        decidedAt: day.to,
        rejection: { code: 'X' },
      },
    ];
    const anomalies = [
      { at: T0, reason: 'WRONG_MAGIC_BYTE' },
      { at: day.from - 1, reason: 'WRONG_MAGIC_BYTE' },
      { at: day.to, reason: 'UNKNOWN_SCHEMA_ID' },
    ];
    const summary = buildDailySummary(day, events, outcomes, anomalies);
    expect(summary.events).toBe(8);
    expect(summary.accounts).toBe(3);
    expect({ ...summary.byType['MoneyDeposited']!.byCurrency }).toEqual({
      EUR: 150n,
      JPY: 500n,
      BHD: 1_234n,
    });
    expect({ ...summary.byType['MoneyWithdrawn']!.byCurrency }).toEqual({ EUR: 30n });
    expect(summary.byType['AccountOpened']!.count).toBe(3);
    expect({ ...summary.netByCurrency }).toEqual({ EUR: 120n, JPY: 500n, BHD: 1_234n });
    expect(summary.outcomes).toEqual({ accepted: 1, rejected: 2 });
    expect({ ...summary.refusedByCode }).toEqual({ INSUFFICIENT_FUNDS: 2 });
    expect(summary.anomalies).toEqual({ count: 1, byReason: { WRONG_MAGIC_BYTE: 1 } });
    expect(summary.gaps).toEqual([]);
  });

  it('sums past 2^53 exactly and surfaces holes between the day’s versions', () => {
    const big = 99_999_999_999_999;
    const events = [
      opened(0),
      ...Array.from({ length: 91 }, (_, i) => deposit(i + 2, 1, big)),
      // Versions 100..101 of acc-2 are absent; 98 and 99 occurred on an earlier day.
      deposit(99, 1, 1, 'acc-2'),
      deposit(102, 2, 1, 'acc-2'),
    ];
    const summary = buildDailySummary(day, events, [], []);
    expect(summary.byType['MoneyDeposited']!.byCurrency['EUR']).toBe(9_099_999_999_999_911n);
    expect(summary.gaps).toEqual([{ accountId: 'acc-2', expected: 100, got: 102 }]);
  });
});
