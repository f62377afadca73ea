import type { OutcomeRecord } from '@tally/events';
import { balanceChange, isCurrencyCode, minorUnitsOf, type AccountEvent } from '@tally/ledger';

/**
 * Reports as pure folds over audited events (in topic order, i.e. entry order of the account's
 * chain). A repeated (accountId, version) is a duplicate delivery and counts once, like the
 * projector does; a version that skips ahead is reported as a gap, never papered over.
 */

export interface Period {
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
}

export interface StatementLine {
  readonly occurredAt: number;
  readonly version: number;
  readonly eventId: string;
  /** Every event that changes the balance: deposits, withdrawals and transfer steps (ADR 0007). */
  readonly type: MovementType;
  /** Signed minor units: + money in (deposit, credit, reversal), - money out. */
  readonly amount: number;
  /** The other account of a transfer step. */
  readonly counterparty?: string;
  /** Balance after the movement, minor units. */
  readonly balance: number;
}

type MovementType =
  'MoneyDeposited' | 'MoneyWithdrawn' | 'TransferDebited' | 'TransferCredited' | 'TransferReversed';

/** The counterparty of a movement, or undefined for one without (a deposit, a withdrawal). */
function counterpartyOf(event: AccountEvent): string | undefined {
  if (event.type === 'TransferCredited') return event.fromAccountId;
  if (event.type === 'TransferDebited' || event.type === 'TransferReversed')
    return event.toAccountId;
  return undefined;
}

const MOVEMENT_LABEL: Record<MovementType, string> = {
  MoneyDeposited: 'Deposit',
  MoneyWithdrawn: 'Withdrawal',
  TransferDebited: 'Transfer to',
  TransferCredited: 'Transfer from',
  TransferReversed: 'Transfer reversed, to',
};

export interface Statement {
  readonly accountId: string;
  readonly currency: string | null;
  readonly owner: string | null;
  readonly from: number;
  readonly to: number;
  readonly openingBalance: number;
  readonly movements: readonly StatementLine[];
  readonly closingBalance: number;
  readonly totalDeposits: number;
  readonly totalWithdrawals: number;
  /** Account status at the end of the period. */
  readonly status: 'not-opened' | 'open' | 'closed';
}

/** Drops repeated versions; returns the events that count, in order, and the first gap if any. */
export function deduplicate(events: Iterable<AccountEvent>): {
  events: AccountEvent[];
  gaps: { accountId: string; expected: number; got: number }[];
} {
  const versions = new Map<string, number>();
  const kept: AccountEvent[] = [];
  const gaps: { accountId: string; expected: number; got: number }[] = [];
  for (const event of events) {
    const version = versions.get(event.accountId) ?? 0;
    if (event.version <= version) continue;
    if (event.version !== version + 1) {
      gaps.push({ accountId: event.accountId, expected: version + 1, got: event.version });
    }
    versions.set(event.accountId, event.version);
    kept.push(event);
  }
  return { events: kept, gaps };
}

/** Statement of one account for a period, from all of the account's events (any time). */
export function buildStatement(
  accountId: string,
  events: Iterable<AccountEvent>,
  period: Period,
): Statement {
  let balance = 0;
  let opening = 0;
  let currency: string | null = null;
  let owner: string | null = null;
  let status: Statement['status'] = 'not-opened';
  let deposits = 0;
  let withdrawals = 0;
  const movements: StatementLine[] = [];
  for (const event of deduplicate(events).events) {
    if (event.accountId !== accountId || event.occurredAt >= period.to) continue;
    const before = event.occurredAt < period.from;
    if (event.type === 'AccountOpened') {
      currency = event.currency;
      owner = event.owner;
      status = 'open';
    } else if (event.type === 'AccountClosed') {
      status = 'closed';
    }
    balance += balanceChange(event);
    if (before) {
      opening = balance;
    } else if (balanceChange(event) !== 0) {
      if (event.type === 'MoneyDeposited') deposits += event.amount;
      if (event.type === 'MoneyWithdrawn') withdrawals += event.amount;
      const counterparty = counterpartyOf(event);
      movements.push({
        occurredAt: event.occurredAt,
        version: event.version,
        eventId: event.eventId,
        type: event.type as MovementType,
        amount: balanceChange(event),
        balance,
        ...(counterparty === undefined ? {} : { counterparty }),
      });
    }
  }
  return {
    accountId,
    currency,
    owner,
    from: period.from,
    to: period.to,
    openingBalance: opening,
    movements,
    closingBalance: balance,
    totalDeposits: deposits,
    totalWithdrawals: withdrawals,
    status,
  };
}

/** Minor units as a decimal string in the currency's minor-unit digits, e.g. 12050 EUR -> "120.50". */
export function formatMoney(minor: number, currency: string | null): string {
  const digits = currency !== null && isCurrencyCode(currency) ? minorUnitsOf(currency) : 2;
  const negative = minor < 0;
  const text = Math.abs(minor)
    .toString()
    .padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${major}` : major;
}

const iso = (ms: number) => new Date(ms).toISOString();

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV (RFC 4180, CRLF): an OPENING line, one MOVEMENT line per movement, a CLOSING line.
 * Amounts in minor units and formatted in the currency, so a spreadsheet needs no conversion.
 */
export function statementCsv(s: Statement): string {
  const header = [
    'line',
    'occurred_at',
    'version',
    'event_id',
    'type',
    'amount_minor',
    'balance_minor',
    'amount',
    'balance',
    'currency',
  ];
  const money = (n: number) => formatMoney(n, s.currency);
  const cur = s.currency ?? '';
  const rows: (string | number)[][] = [
    header,
    ['OPENING', iso(s.from), '', '', '', '', s.openingBalance, '', money(s.openingBalance), cur],
    ...s.movements.map((m) => [
      'MOVEMENT',
      iso(m.occurredAt),
      m.version,
      m.eventId,
      m.type,
      m.amount,
      m.balance,
      money(m.amount),
      money(m.balance),
      cur,
    ]),
    ['CLOSING', iso(s.to), '', '', '', '', s.closingBalance, '', money(s.closingBalance), cur],
  ];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A self-contained printable page (inline print CSS, no scripts). */
export function statementHtml(s: Statement): string {
  const money = (n: number) => escapeHtml(formatMoney(n, s.currency));
  const cur = escapeHtml(s.currency ?? '');
  const rows = s.movements
    .map(
      (m) =>
        `<tr class="movement"><td>${iso(m.occurredAt)}</td><td>${m.version}</td>` +
        `<td>${escapeHtml([MOVEMENT_LABEL[m.type], m.counterparty].filter(Boolean).join(' '))}</td>` +
        `<td class="num" data-minor="${m.amount}">${money(m.amount)}</td>` +
        `<td class="num" data-minor="${m.balance}">${money(m.balance)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Statement ${escapeHtml(s.accountId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#111}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}
@media print{body{margin:0}a{display:none}}
</style></head><body>
<h1>Account statement</h1>
<p>Account <strong>${escapeHtml(s.accountId)}</strong>${s.owner ? ` (${escapeHtml(s.owner)})` : ''}, currency ${cur}<br>
Period ${iso(s.from)} to ${iso(s.to)} (end exclusive)</p>
<table>
<thead><tr><th>Occurred at</th><th>Version</th><th>Movement</th><th class="num">Amount</th><th class="num">Balance</th></tr></thead>
<tbody>
<tr class="opening"><td colspan="4">Opening balance</td><td class="num" data-minor="${s.openingBalance}">${money(s.openingBalance)}</td></tr>
${rows}
<tr class="closing"><td colspan="4">Closing balance</td><td class="num" data-minor="${s.closingBalance}">${money(s.closingBalance)}</td></tr>
</tbody></table>
<p>Deposits ${money(s.totalDeposits)} ${cur}, withdrawals ${money(s.totalWithdrawals)} ${cur}. Generated from the audit log.</p>
</body></html>
`;
}

/**
 * The fields of a command outcome (the OutcomeRecord contract of @tally/events) the daily summary
 * reads; any code counts, also one this version does not know.
 */
export type OutcomeFacts = Pick<OutcomeRecord, 'outcome' | 'decidedAt'> & {
  readonly rejection: { readonly code: string } | null;
};

export interface DailySummary {
  readonly date: string;
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly accounts: number;
  readonly byType: Record<string, { count: number; sumMinor: number }>;
  /** Sum of movements per currency (deposits +, withdrawals -), minor units. */
  readonly netByCurrency: Record<string, number>;
  readonly outcomes: { accepted: number; rejected: number };
  readonly refusedByCode: Record<string, number>;
  readonly anomalies: number;
}

/** Activity of one UTC day: events by occurredAt, outcomes by decidedAt. */
export function buildDailySummary(
  date: string,
  period: Period,
  events: Iterable<AccountEvent>,
  outcomes: Iterable<OutcomeFacts>,
  anomalies: number,
): DailySummary {
  const byType: Record<string, { count: number; sumMinor: number }> = {};
  const netByCurrency: Record<string, number> = {};
  const accounts = new Set<string>();
  let count = 0;
  for (const event of deduplicate(events).events) {
    if (event.occurredAt < period.from || event.occurredAt >= period.to) continue;
    count += 1;
    accounts.add(event.accountId);
    const slot = (byType[event.type] ??= { count: 0, sumMinor: 0 });
    slot.count += 1;
    if (event.type === 'MoneyDeposited' || event.type === 'MoneyWithdrawn') {
      slot.sumMinor += event.amount;
      netByCurrency[event.currency] = (netByCurrency[event.currency] ?? 0) + balanceChange(event);
    }
  }
  const result = { accepted: 0, rejected: 0 };
  const refusedByCode: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.decidedAt < period.from || outcome.decidedAt >= period.to) continue;
    result[outcome.outcome] += 1;
    if (outcome.outcome === 'rejected') {
      const code = outcome.rejection?.code ?? 'UNKNOWN';
      refusedByCode[code] = (refusedByCode[code] ?? 0) + 1;
    }
  }
  return {
    date,
    from: period.from,
    to: period.to,
    events: count,
    accounts: accounts.size,
    byType,
    netByCurrency,
    outcomes: result,
    refusedByCode,
    anomalies,
  };
}

export interface AuditedBalance {
  readonly accountId: string;
  readonly balance: number;
  readonly version: number;
  readonly status: 'open' | 'closed';
  readonly currency: string;
}

/** Balances folded from audited events, independently of the projector. */
export function foldBalances(events: Iterable<AccountEvent>): Map<string, AuditedBalance> {
  const balances = new Map<string, AuditedBalance>();
  for (const event of deduplicate(events).events) {
    const current = balances.get(event.accountId);
    if (event.type === 'AccountOpened') {
      balances.set(event.accountId, {
        accountId: event.accountId,
        balance: 0,
        version: event.version,
        status: 'open',
        currency: event.currency,
      });
    } else if (current) {
      balances.set(event.accountId, {
        ...current,
        balance: current.balance + balanceChange(event),
        version: event.version,
        status: event.type === 'AccountClosed' ? 'closed' : current.status,
      });
    }
  }
  return balances;
}

/** What the projector says about an account (undefined: it does not know the account). */
export interface ProjectedBalance {
  readonly balance: number;
  readonly version: number;
  readonly status: string;
  readonly currency?: string;
}

export interface Mismatch {
  readonly accountId: string;
  readonly field: 'missing' | 'balance' | 'version' | 'status' | 'currency' | 'unknown-to-audit';
  readonly audit: string | number | null;
  readonly projector: string | number | null;
}

/** Every difference between the audit's balances and the projector's answers. */
export function reconcile(
  audited: ReadonlyMap<string, AuditedBalance>,
  projected: ReadonlyMap<string, ProjectedBalance | undefined>,
): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const [accountId, a] of audited) {
    const p = projected.get(accountId);
    if (p === undefined) {
      mismatches.push({ accountId, field: 'missing', audit: a.balance, projector: null });
      continue;
    }
    if (p.balance !== a.balance) {
      mismatches.push({ accountId, field: 'balance', audit: a.balance, projector: p.balance });
    }
    if (p.version !== a.version) {
      mismatches.push({ accountId, field: 'version', audit: a.version, projector: p.version });
    }
    if (p.status !== a.status) {
      mismatches.push({ accountId, field: 'status', audit: a.status, projector: p.status });
    }
    if (p.currency !== undefined && p.currency !== a.currency) {
      mismatches.push({ accountId, field: 'currency', audit: a.currency, projector: p.currency });
    }
  }
  for (const [accountId, p] of projected) {
    if (p !== undefined && !audited.has(accountId)) {
      mismatches.push({
        accountId,
        field: 'unknown-to-audit',
        audit: null,
        projector: p.balance,
      });
    }
  }
  return mismatches.sort((x, y) =>
    x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : 0,
  );
}

/** A UTC day `YYYY-MM-DD` as a period, or undefined when it is not a real date. */
export function dayPeriod(date: string): Period | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const from = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(from) || new Date(from).toISOString().slice(0, 10) !== date) return undefined;
  return { from, to: from + 86_400_000 };
}

/** A period bound: `YYYY-MM-DD` (start of that UTC day), an ISO date-time, or epoch ms. */
export function parseInstant(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const day = dayPeriod(text);
  if (day) return day.from;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
