import { minorToDecimal } from './money.js';
import type { Statement } from './reports.js';
import { statementId } from './statement-view.js';

/**
 * The statement for spreadsheets: CSV (RFC 4180, CRLF), an OPENING line, one MOVEMENT line per
 * movement, a CLOSING line, then one HOLD line per hold event (its amount is reserved or let go,
 * not moved; `balance` stays empty) and a HELD line with the amount held at the close. Dates are ISO 8601 in UTC; amounts are given both in minor units and
 * as exact decimals in the currency's digits (no grouping), so no spreadsheet locale can misread
 * them. Every line carries the statement number.
 */

const iso = (ms: number) => new Date(ms).toISOString();

function csvField(value: string | number): string {
  const text = String(value);
  // Quote what CSV needs quoted, and neutralise a leading formula character (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function statementCsv(s: Statement): string {
  const id = statementId(s);
  const money = (minor: bigint) => minorToDecimal(minor, s.currency);
  const cur = s.currency ?? '';
  const entry = (m: Statement['movements'][number]) =>
    m.entryRef ? `${m.entryRef.chain}#${m.entryRef.seq}` : '';
  // An OPENING or CLOSING line: a balance at a bound, no movement.
  const boundary = (line: string, at: number, version: number, balance: bigint) => [
    id,
    line,
    iso(at),
    version,
    '',
    '',
    '',
    '',
    String(balance),
    '',
    money(balance),
    cur,
    '',
    '',
  ];
  const rows: (string | number)[][] = [
    [
      'statement_id',
      'line',
      'occurred_at',
      'version',
      'event_id',
      'type',
      'counterparty',
      'amount_minor',
      'balance_minor',
      'amount',
      'balance',
      'currency',
      'entry',
      'hold_id',
    ],
    boundary('OPENING', s.from, s.openingVersion, s.openingBalance),
    ...s.movements.map((m) => [
      id,
      'MOVEMENT',
      iso(m.occurredAt),
      m.version,
      m.eventId,
      m.type,
      m.counterparty ?? '',
      String(m.amount),
      String(m.balance),
      money(m.amount),
      money(m.balance),
      cur,
      entry(m),
      m.capturedHold ?? '',
    ]),
    boundary('CLOSING', s.to, s.closingVersion, s.closingBalance),
    ...s.holds.map((h) => [
      id,
      'HOLD',
      iso(h.occurredAt),
      h.version,
      h.eventId,
      h.type,
      '',
      String(h.amount),
      '',
      money(h.amount),
      '',
      cur,
      h.entryRef ? `${h.entryRef.chain}#${h.entryRef.seq}` : '',
      h.holdId,
    ]),
    [
      id,
      'HELD',
      iso(s.to),
      s.closingVersion,
      '',
      '',
      '',
      String(s.heldAtClose),
      '',
      money(s.heldAtClose),
      '',
      cur,
      '',
      '',
    ],
  ];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
