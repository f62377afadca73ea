import { createHash } from 'node:crypto';
import { CURRENCIES, isCurrencyCode } from '@tally/ledger';
import { canonicalJson } from '@tally/events';
import { formatMoney } from './money.js';
import type { Statement } from './reports.js';
import { zoneOffsetMs } from '@tally/service/time';

/**
 * What a person reads on a statement, formatted once: the HTML and PDF renderers only lay it
 * out, so both show the same words and figures. Amounts use Intl.NumberFormat (grouping, the
 * currency code, its digits), times are shown in one named time zone.
 */

/** What the audit log knew when the statement was produced: lets a reader verify it. */
export interface StatementVerification {
  /** The chain holding the account's entries, and its head when the statement was produced. */
  readonly chain: string;
  readonly headSeq: number;
  readonly headHash: string;
  /** The newest signed digest covering the statement's last entry, if there is one. */
  readonly digest?: {
    readonly sequence: number;
    readonly keyId: string;
    readonly createdAt: number;
    readonly merkleRoot: string;
  };
}

export interface StatementMeta {
  /** Epoch ms. */
  readonly generatedAt: number;
  /** IANA zone for every time shown; UTC by default. */
  readonly timeZone?: string;
  /** BCP 47 locale for numbers and dates; en-GB by default. */
  readonly locale?: string;
  readonly issuer?: string;
  readonly verification?: StatementVerification;
}

export interface StatementRowView {
  readonly date: string;
  readonly time: string;
  readonly description: string;
  readonly reference: string;
  readonly eventId: string;
  readonly entry: string | null;
  readonly debit: string;
  readonly credit: string;
  readonly balance: string;
  readonly amountMinor: string;
  readonly balanceMinor: string;
}

export interface StatementHoldRowView {
  readonly date: string;
  readonly time: string;
  readonly description: string;
  /** The hold id, shortened like a movement's reference. */
  readonly reference: string;
  readonly holdId: string;
  readonly entry: string | null;
  readonly amount: string;
  readonly amountMinor: string;
}

export interface StatementView {
  readonly issuer: string;
  readonly title: string;
  readonly statementId: string;
  readonly generatedAt: string;
  readonly timeZone: string;
  readonly accountId: string;
  readonly owner: string;
  readonly currency: string;
  readonly period: string;
  readonly status: string;
  readonly closed: boolean;
  readonly opening: { readonly label: string; readonly balance: string; readonly minor: string };
  readonly closing: { readonly label: string; readonly balance: string; readonly minor: string };
  readonly rows: readonly StatementRowView[];
  readonly totals: {
    readonly credits: string;
    readonly debits: string;
    readonly count: number;
  };
  /** Hold events of the period, and what is reserved at the close. */
  readonly holds: {
    readonly rows: readonly StatementHoldRowView[];
    readonly liveAtClose: number;
    readonly heldAtClose: string;
    readonly heldAtCloseMinor: string;
    readonly availableAtClose: string;
    readonly availableAtCloseMinor: string;
  };
  readonly warnings: readonly string[];
  readonly verification: readonly string[];
}

/**
 * A statement number that names its content: the same account, period and versions always give
 * the same number, and any other statement a different one. `ST-` and 12 hex digits in groups.
 */
export function statementId(s: Statement): string {
  const digest = createHash('sha256')
    .update(
      canonicalJson({
        accountId: s.accountId,
        from: s.from,
        to: s.to,
        openingVersion: s.openingVersion,
        closingVersion: s.closingVersion,
        closingBalance: String(s.closingBalance),
      }),
    )
    .digest('hex')
    .toUpperCase();
  return `ST-${digest.slice(0, 4)}-${digest.slice(4, 8)}-${digest.slice(8, 12)}`;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: string, timeZone: string, kind: 'date' | 'time' | 'stamp') {
  const key = `${locale}|${timeZone}|${kind}`;
  let format = dateFormats.get(key);
  if (format === undefined) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'date'
        ? { day: '2-digit', month: 'short', year: 'numeric' }
        : kind === 'time'
          ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : {
              day: '2-digit',
              month: 'short',
              year: 'numeric',
              hour: '2-digit',
              minute: '2-digit',
              second: '2-digit',
              hourCycle: 'h23',
            };
    format = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    dateFormats.set(key, format);
  }
  return format;
}

/** The zone's offset at an instant as "UTC+01:00". */
export function offsetLabel(timeZone: string, at: number): string {
  if (timeZone === 'UTC') return 'UTC';
  const minutes = Math.round(zoneOffsetMs(at, timeZone) / 60_000);
  const abs = Math.abs(minutes);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `UTC${minutes < 0 ? '-' : '+'}${hhmm}`;
}

/** "UTC", or the zone with the offsets it has during a period: "Europe/Berlin (UTC+01:00, UTC+02:00)". */
export function zoneLabel(timeZone: string, from: number, to: number): string {
  if (timeZone === 'UTC') return 'UTC';
  const offsets = [...new Set([offsetLabel(timeZone, from), offsetLabel(timeZone, to - 1)])];
  return `${timeZone} (${offsets.join(', ')})`;
}

const shortId = (id: string) => id.slice(0, 8).toUpperCase();

/** What a movement is, in the words of a statement. */
function describe(line: Statement['movements'][number]): string {
  const captured =
    line.capturedHold === null ? '' : ` (hold ${shortId(line.capturedHold)} captured)`;
  return describeType(line) + captured;
}

function describeType(line: Statement['movements'][number]): string {
  switch (line.type) {
    case 'MoneyDeposited':
      return 'Deposit';
    case 'MoneyWithdrawn':
      return 'Withdrawal';
    case 'TransferDebited':
      return `Transfer to ${line.counterparty ?? '—'}`;
    case 'TransferCredited':
      return `Transfer from ${line.counterparty ?? '—'}`;
    case 'TransferReversed':
      return `Transfer to ${line.counterparty ?? '—'} returned`;
    default:
      return line.type;
  }
}

/** A hold event in the words of a statement. */
function describeHold(
  h: Statement['holds'][number],
  when: (at: number) => string,
  money: (minor: bigint) => string,
): string {
  switch (h.type) {
    case 'HoldPlaced':
      return `Hold placed, expires ${when(h.expiresAt ?? 0)}`;
    case 'HoldCaptured':
      return h.releasedAmount !== null && h.releasedAmount > 0n
        ? `Hold captured, ${money(h.releasedAmount)} released`
        : 'Hold captured';
    case 'HoldReleased':
      return 'Hold released';
    case 'HoldExpired':
      return 'Hold expired';
  }
}

const isMidnight = (instant: number, timeZone: string) =>
  (instant + zoneOffsetMs(instant, timeZone)) % 86_400_000 === 0;

export function statementView(s: Statement, meta: StatementMeta): StatementView {
  const locale = meta.locale ?? 'en-GB';
  const timeZone = meta.timeZone ?? 'UTC';
  const date = (at: number) => dateFormat(locale, timeZone, 'date').format(at);
  const time = (at: number) => dateFormat(locale, timeZone, 'time').format(at);
  const stamp = (at: number) => dateFormat(locale, timeZone, 'stamp').format(at);
  const money = (minor: bigint) => formatMoney(minor, s.currency, locale);
  // A period of whole days is shown as its first and last day; otherwise with times.
  const wholeDays = isMidnight(s.from, timeZone) && isMidnight(s.to, timeZone);
  const period = wholeDays
    ? `${date(s.from)} – ${date(s.to - 1)}`
    : `${stamp(s.from)} – ${stamp(s.to)} (end excluded)`;
  const currencyName =
    s.currency !== null && isCurrencyCode(s.currency) ? ` (${CURRENCIES[s.currency].name})` : '';
  const status =
    s.status === 'closed'
      ? `Closed${s.closedAt === null ? '' : ` on ${date(s.closedAt)}`}`
      : s.status === 'open'
        ? 'Open'
        : 'Not opened in this period';
  const warnings = [
    ...s.gaps.map((g) =>
      g.got - g.expected === 1
        ? `Version ${g.expected} of this account is missing from the audit log; balances after it are incomplete.`
        : `Versions ${g.expected}–${g.got - 1} of this account are missing from the audit log; balances after them are incomplete.`,
    ),
    ...s.conflicts.map(
      (c) =>
        `Two different events claim version ${c.version} (${c.kept}, ${c.other}); the first recorded is shown.`,
    ),
  ];
  const v = meta.verification;
  const verification = v
    ? [
        `Audit chain ${v.chain}, head entry ${v.headSeq}, SHA-256 ${v.headHash}.`,
        v.digest
          ? `Signed digest no. ${v.digest.sequence} of ${stamp(v.digest.createdAt)} (Ed25519 key ${v.digest.keyId}), Merkle root ${v.digest.merkleRoot}.`
          : 'No signed digest covers this statement yet; it is covered by the next one.',
        'Each line can be proven against the signed digest with an inclusion proof for its entry.',
      ]
    : [
        'Produced from the audit log; ask the bank for the digest and inclusion proofs that verify it.',
      ];
  return {
    issuer: meta.issuer ?? 'Tally',
    title: 'Account statement',
    statementId: statementId(s),
    generatedAt: `${stamp(meta.generatedAt)} ${offsetLabel(timeZone, meta.generatedAt)}`,
    timeZone: zoneLabel(timeZone, s.from, s.to),
    accountId: s.accountId,
    owner: s.owner ?? '—',
    currency: `${s.currency ?? '—'}${currencyName}`,
    period,
    status,
    closed: s.status === 'closed',
    opening: {
      label: `Opening balance on ${wholeDays ? date(s.from) : stamp(s.from)}`,
      balance: money(s.openingBalance),
      minor: String(s.openingBalance),
    },
    closing: {
      label: `Closing balance on ${wholeDays ? date(s.to - 1) : stamp(s.to)}`,
      balance: money(s.closingBalance),
      minor: String(s.closingBalance),
    },
    rows: s.movements.map((m) => ({
      date: date(m.occurredAt),
      time: time(m.occurredAt),
      description: describe(m),
      reference: m.eventId.slice(0, 8).toUpperCase(),
      eventId: m.eventId,
      entry: m.entryRef ? `${m.entryRef.chain}#${m.entryRef.seq}` : null,
      debit: m.amount < 0n ? money(-m.amount) : '',
      credit: m.amount > 0n ? money(m.amount) : '',
      balance: money(m.balance),
      amountMinor: String(m.amount),
      balanceMinor: String(m.balance),
    })),
    totals: {
      credits: money(s.totalIn),
      debits: money(s.totalOut),
      count: s.movements.length,
    },
    holds: {
      rows: s.holds.map((h) => ({
        date: date(h.occurredAt),
        time: time(h.occurredAt),
        description: describeHold(h, (at) => `${date(at)} ${time(at)}`, money),
        reference: shortId(h.holdId),
        holdId: h.holdId,
        entry: h.entryRef ? `${h.entryRef.chain}#${h.entryRef.seq}` : null,
        amount: money(h.amount),
        amountMinor: String(h.amount),
      })),
      liveAtClose: s.liveHoldsAtClose.length,
      heldAtClose: money(s.heldAtClose),
      heldAtCloseMinor: String(s.heldAtClose),
      availableAtClose: money(s.availableAtClose),
      availableAtCloseMinor: String(s.availableAtClose),
    },
    warnings,
    verification,
  };
}
