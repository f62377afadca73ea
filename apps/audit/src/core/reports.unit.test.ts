import type { AccountEvent } from '@tally/ledger';
import { describe, expect, it } from 'vitest';
import {
  buildDailySummary,
  buildStatement,
  dayPeriod,
  foldBalances,
  formatMoney,
  parseInstant,
  reconcile,
  statementCsv,
  statementHtml,
} from './reports.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const env = (version: number, minutes: number, accountId = 'acc-1') => ({
  eventId: `00000000-0000-4000-8000-00000000000${version}`,
  accountId,
  version,
  occurredAt: T0 + minutes * 60_000,
  commandId: `cmd-${version}`,
  correlationId: `corr-${version}`,
  actor: 'teller',
});
const seed: AccountEvent[] = [
  { type: 'AccountOpened', ...env(1, 0), owner: 'Ada', currency: 'EUR', overdraftLimit: 0 },
  { type: 'MoneyDeposited', ...env(2, 1), amount: 100, currency: 'EUR' },
  { type: 'MoneyWithdrawn', ...env(3, 2), amount: 30, currency: 'EUR' },
  { type: 'MoneyDeposited', ...env(4, 3), amount: 50, currency: 'EUR' },
];
const day = dayPeriod('2026-03-02')!;

describe('statement', () => {
  it('seed scenario: opening 0, running 100/70/120, closing 120', () => {
    const s = buildStatement('acc-1', seed, day);
    expect(s.openingBalance).toBe(0);
    expect(s.movements.map((m) => m.balance)).toEqual([100, 70, 120]);
    expect(s.movements.map((m) => m.amount)).toEqual([100, -30, 50]);
    expect(s.closingBalance).toBe(120);
    expect(s.totalDeposits).toBe(150);
    expect(s.totalWithdrawals).toBe(30);
  });

  it('takes the opening balance from the events before the period', () => {
    const s = buildStatement('acc-1', seed, { from: T0 + 90_000, to: day.to });
    expect(s.openingBalance).toBe(100);
    expect(s.movements.map((m) => m.balance)).toEqual([70, 120]);
    expect(s.closingBalance).toBe(120);
  });

  it('shows transfer steps with their counterparty, so the movements add up to the closing balance', () => {
    const transfer = { transferId: 't-1', amount: 40, currency: 'EUR' };
    const events: AccountEvent[] = [
      ...seed,
      { type: 'TransferDebited', ...env(5, 4), ...transfer, toAccountId: 'acc-2' },
      { type: 'TransferReversed', ...env(6, 5), ...transfer, toAccountId: 'acc-2', reason: 'X' },
      {
        type: 'TransferCredited',
        ...env(7, 6),
        ...transfer,
        transferId: 't-2',
        fromAccountId: 'acc-3',
      },
      {
        type: 'TransferCompleted',
        ...env(8, 7),
        ...transfer,
        transferId: 't-3',
        toAccountId: 'acc-4',
      },
    ];
    const s = buildStatement('acc-1', events, day);
    expect(s.movements.slice(3).map((m) => [m.type, m.amount, m.counterparty, m.balance])).toEqual([
      ['TransferDebited', -40, 'acc-2', 80],
      ['TransferReversed', 40, 'acc-2', 120],
      ['TransferCredited', 40, 'acc-3', 160],
    ]);
    expect(s.closingBalance).toBe(s.movements.reduce((sum, m) => sum + m.amount, 0));
    expect(statementHtml(s)).toContain('Transfer from acc-3');
  });

  it('counts a redelivered version once', () => {
    const s = buildStatement('acc-1', [...seed.slice(0, 3), seed[1]!, seed[3]!], day);
    expect(s.movements.map((m) => m.balance)).toEqual([100, 70, 120]);
  });

  it('CSV and HTML carry the same numbers as JSON', () => {
    const s = buildStatement('acc-1', seed, day);
    const csv = statementCsv(s)
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    expect(csv[0]).toContain('balance_minor');
    expect(csv.slice(1).map((r) => r[0])).toEqual([
      'OPENING',
      'MOVEMENT',
      'MOVEMENT',
      'MOVEMENT',
      'CLOSING',
    ]);
    const col = csv[0]!.indexOf('balance_minor');
    expect(csv.slice(1).map((r) => Number(r[col]))).toEqual([0, 100, 70, 120, 120]);
    expect(csv.slice(1).map((r) => r[csv[0]!.indexOf('balance')])).toEqual([
      '0.00',
      '1.00',
      '0.70',
      '1.20',
      '1.20',
    ]);
    const html = statementHtml(s);
    const minors = [...html.matchAll(/data-minor="(-?\d+)"/g)].map((m) => Number(m[1]));
    // opening, then (amount, balance) per movement, then closing
    expect(minors).toEqual([0, 100, 100, -30, 70, 50, 120, 120]);
    expect(html).toContain('1.20');
  });

  it('escapes what it prints in HTML', () => {
    const events = seed.map((e) =>
      e.type === 'AccountOpened' ? { ...e, owner: '<script>x</script>' } : e,
    );
    expect(statementHtml(buildStatement('acc-1', events, day))).not.toContain('<script>x');
  });
});

describe('money and dates', () => {
  it('formats minor units in the currency digits', () => {
    expect(formatMoney(12050, 'EUR')).toBe('120.50');
    expect(formatMoney(-5, 'EUR')).toBe('-0.05');
    expect(formatMoney(500, 'JPY')).toBe('500');
    expect(formatMoney(1234, 'BHD')).toBe('1.234');
  });

  it('parses period bounds and refuses impossible days', () => {
    expect(parseInstant('2026-03-02')).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(parseInstant('2026-03-02T10:00:00+01:00')).toBe(Date.parse('2026-03-02T09:00:00Z'));
    expect(parseInstant('1700000000000')).toBe(1_700_000_000_000);
    expect(parseInstant('2026-02-30')).toBeUndefined();
    expect(parseInstant('yesterday')).toBeUndefined();
  });
});

describe('daily summary', () => {
  it('counts and sums by event type and refused commands by code', () => {
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
    const summary = buildDailySummary('2026-03-02', day, seed, outcomes, 0);
    expect(summary.events).toBe(4);
    expect(summary.byType).toEqual({
      AccountOpened: { count: 1, sumMinor: 0 },
      MoneyDeposited: { count: 2, sumMinor: 150 },
      MoneyWithdrawn: { count: 1, sumMinor: 30 },
    });
    expect(summary.netByCurrency).toEqual({ EUR: 120 });
    expect(summary.outcomes).toEqual({ accepted: 1, rejected: 2 });
    expect(summary.refusedByCode).toEqual({ INSUFFICIENT_FUNDS: 2 });
  });
});

describe('reconciliation', () => {
  it('lists every difference, and none when the projector agrees', () => {
    const audited = foldBalances([
      ...seed,
      {
        type: 'AccountOpened',
        ...env(1, 0, 'acc-2'),
        owner: 'Bob',
        currency: 'EUR',
        overdraftLimit: 0,
      },
    ]);
    expect(audited.get('acc-1')).toMatchObject({ balance: 120, version: 4, status: 'open' });
    const agree = new Map([
      ['acc-1', { balance: 120, version: 4, status: 'open', currency: 'EUR' }],
      ['acc-2', { balance: 0, version: 1, status: 'open' }],
    ]);
    expect(reconcile(audited, agree)).toEqual([]);
    const differ = new Map([
      ['acc-1', { balance: 121, version: 4, status: 'open' }],
      ['acc-3', { balance: 5, version: 2, status: 'open' }],
    ]);
    expect(reconcile(audited, differ)).toEqual([
      { accountId: 'acc-1', field: 'balance', audit: 120, projector: 121 },
      { accountId: 'acc-2', field: 'missing', audit: 0, projector: null },
      { accountId: 'acc-3', field: 'unknown-to-audit', audit: null, projector: 5 },
    ]);
  });
});
