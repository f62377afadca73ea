import { minorToDecimal } from './money.js';
import type { Statement } from './reports.js';
import { statementId } from './statement-view.js';

/**
 * The statement for spreadsheets: CSV (RFC 4180, CRLF), an OPENING line, one MOVEMENT line per
 * movement, a CLOSING line. Dates are ISO 8601 in UTC; amounts are given both in minor units and
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
  const rows: (string | number)[][] = [
    [
      'statement_id',
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
      'entry',
    ],
    [
      id,
      'OPENING',
      iso(s.from),
      s.openingVersion,
      '',
      '',
      '',
      String(s.openingBalance),
      '',
      money(s.openingBalance),
      cur,
      '',
    ],
    ...s.movements.map((m) => [
      id,
      'MOVEMENT',
      iso(m.occurredAt),
      m.version,
      m.eventId,
      m.type,
      String(m.amount),
      String(m.balance),
      money(m.amount),
      money(m.balance),
      cur,
      entry(m),
    ]),
    [
      id,
      'CLOSING',
      iso(s.to),
      s.closingVersion,
      '',
      '',
      '',
      String(s.closingBalance),
      '',
      money(s.closingBalance),
      cur,
      '',
    ],
  ];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
