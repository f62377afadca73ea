import type { AccountEvent } from '@tally/ledger';
import { describe, expect, it } from 'vitest';
import {
  SAMPLE_ACCOUNT,
  SAMPLE_GENERATED_AT,
  SAMPLE_PERIOD,
  SAMPLE_VERIFICATION,
  sampleEvents,
} from '../../test/sample-statement.js';
import { buildStatement } from './reports.js';
import { statementCsv } from './statement-csv.js';
import { statementHtml } from './statement-html.js';
import { statementPdf } from './statement-pdf.js';
import { statementId, statementView } from './statement-view.js';

const statement = buildStatement(SAMPLE_ACCOUNT, sampleEvents(), SAMPLE_PERIOD);
const meta = {
  generatedAt: SAMPLE_GENERATED_AT,
  timeZone: 'Europe/Berlin',
  verification: SAMPLE_VERIFICATION,
};
const text = (html: string) => html.replaceAll('\u00a0', ' ').replaceAll('\u202f', ' ');

describe('statement view', () => {
  it('names the statement by its content', () => {
    expect(statementId(statement)).toMatch(/^ST-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(statementId(buildStatement(SAMPLE_ACCOUNT, sampleEvents(), SAMPLE_PERIOD))).toBe(
      statementId(statement),
    );
    const shorter = buildStatement(SAMPLE_ACCOUNT, sampleEvents(), {
      ...SAMPLE_PERIOD,
      to: SAMPLE_PERIOD.to - 86_400_000,
    });
    expect(statementId(shorter)).not.toBe(statementId(statement));
  });

  it('shows whole-day periods as first and last day, in the zone named', () => {
    const view = statementView(statement, meta);
    expect(view.period).toBe('01 Mar 2026 – 31 Mar 2026');
    expect(view.timeZone).toBe('Europe/Berlin (UTC+01:00, UTC+02:00)');
    expect(view.generatedAt).toBe('01 Apr 2026, 08:30:00 UTC+02:00');
    // 07:41:12Z is 08:41 in Berlin in March.
    expect(view.rows[0]).toMatchObject({
      date: '02 Mar 2026',
      time: '08:41',
      description: 'Deposit',
    });
  });
});

describe('HTML statement', () => {
  const html = statementHtml(statement, meta);

  it('reads like a bank statement: grouped amounts with currency, local times, number, generation, footer', () => {
    const page = text(html);
    expect(page).toContain('EUR 12,345,678.90');
    expect(page).toContain(statementId(statement));
    expect(page).toContain('Generated</dt><dd>01 Apr 2026, 08:30:00 UTC+02:00');
    expect(page).toContain('Times in</dt><dd>Europe/Berlin (UTC+01:00, UTC+02:00)');
    expect(page).toContain(`head entry ${SAMPLE_VERIFICATION.headSeq}`);
    expect(page).toContain(SAMPLE_VERIFICATION.digest.merkleRoot);
    expect(page).toContain('Müller &amp; Søn Logistik GmbH');
    expect(page).toContain('@media print');
    // No developer export: no raw ISO timestamps, no version column.
    expect(page).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(page).not.toMatch(/<th>Version/i);
  });

  it('carries the exact figures in data-minor, opening, then amount and balance per line, then closing', () => {
    const movements = html.split('<section class="holds">')[0]!;
    const minors = [...movements.matchAll(/data-minor="(-?\d+)"/g)].map((m) => BigInt(m[1]!));
    expect(minors[0]).toBe(statement.openingBalance);
    expect(minors.at(-1)).toBe(statement.closingBalance);
    expect(minors.length).toBe(2 + 2 * statement.movements.length);
    let balance = statement.openingBalance;
    for (let i = 1; i < minors.length - 1; i += 2) {
      balance += minors[i]!;
      expect(minors[i + 1]).toBe(balance);
    }
    expect(balance).toBe(statement.closingBalance);
  });

  it('lists holds apart from the movements, the captured one with its withdrawal, and what is held at the close', () => {
    const page = text(html);
    const holds = page.split('<section class="holds">')[1]!;
    expect(holds).toContain('Hold placed, expires 18 Mar 2026 15:02');
    expect(holds).toContain('Hold captured, EUR 500.00 released');
    expect(holds).toContain('Hold released');
    expect(holds).toContain(
      'Held at close (1 live hold): <strong data-minor="15000">EUR 150.00</strong>',
    );
    expect(holds).toContain(
      `available at close: <strong data-minor="${statement.closingBalance - 15000n}">`,
    );
    expect(page).toContain('Withdrawal (hold A41C7E02 captured)');
    expect(statement.holds.map((h) => [h.type, h.amount])).toEqual([
      ['HoldPlaced', 250000n],
      ['HoldCaptured', 200000n],
      ['HoldPlaced', 30000n],
      ['HoldReleased', 30000n],
      ['HoldPlaced', 15000n],
    ]);
    expect(statement.liveHoldsAtClose.map((h) => h.holdId)).toEqual([
      'e9f3a611-hold-fuel-pre-authorisation',
    ]);
  });

  it('shows the closed status and escapes what it prints', () => {
    const events: AccountEvent[] = sampleEvents().map((e) =>
      e.type === 'AccountOpened' ? { ...e, owner: '<script>alert(1)</script>' } : e,
    );
    const last = events.at(-2)!;
    events.splice(events.length - 1, 1, {
      type: 'AccountClosed',
      eventId: 'close',
      accountId: SAMPLE_ACCOUNT,
      version: last.version + 1,
      occurredAt: Date.parse('2026-03-31T21:00:00Z'),
      commandId: 'c',
      correlationId: 'c',
      actor: 'teller',
    });
    const closed = statementHtml(buildStatement(SAMPLE_ACCOUNT, events, SAMPLE_PERIOD), meta);
    expect(closed).toContain('class="status-closed">Closed on 31 Mar 2026');
    expect(closed).not.toContain('<script>alert');
  });
});

describe('CSV statement', () => {
  it('has ISO dates in UTC, exact decimals without grouping, and the statement number', () => {
    const rows = statementCsv(statement)
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    const header = rows[0]!;
    const at = (row: string[], column: string) => row[header.indexOf(column)];
    expect(rows.slice(1).every((r) => at(r, 'statement_id') === statementId(statement))).toBe(true);
    expect(at(rows[1]!, 'occurred_at')).toBe('2026-02-28T23:00:00.000Z');
    expect(at(rows[2]!, 'amount')).toBe('1250000.00');
    const line = (kind: string) => rows.filter((r) => at(r, 'line') === kind);
    expect(at(line('CLOSING')[0]!, 'balance_minor')).toBe(String(statement.closingBalance));
    expect(line('HOLD').map((r) => [at(r, 'type'), at(r, 'amount'), at(r, 'hold_id')])).toEqual([
      ['HoldPlaced', '2500.00', 'a41c7e02-hold-card-authorisation'],
      ['HoldCaptured', '2000.00', 'a41c7e02-hold-card-authorisation'],
      ['HoldPlaced', '300.00', '5d02b9f4-hold-hotel-deposit'],
      ['HoldReleased', '300.00', '5d02b9f4-hold-hotel-deposit'],
      ['HoldPlaced', '150.00', 'e9f3a611-hold-fuel-pre-authorisation'],
    ]);
    expect(at(line('HELD')[0]!, 'amount_minor')).toBe('15000');
    const captured = line('MOVEMENT').find((r) => at(r, 'hold_id') !== '');
    expect(captured && at(captured, 'amount')).toBe('-2000.00');
    expect(at(rows[2]!, 'entry')).toMatch(/^bank\.account-events\.v1\/3#\d+$/);
  });
});

describe('PDF statement', () => {
  it('is a PDF with the statement number in its metadata and the font embedded', async () => {
    const pdf = await statementPdf(statement, meta);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const raw = pdf.toString('latin1');
    expect(raw).toContain(statementId(statement));
    expect(raw).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans/);
    expect(raw.match(/\/Type \/Page\b/g)?.length).toBe(2);
  });

  it('breaks long statements over pages', async () => {
    const events = sampleEvents();
    const many: AccountEvent[] = [...events.slice(0, 2)];
    for (let i = 0; i < 120; i++) {
      many.push({
        ...(events[2] as AccountEvent),
        version: 3 + i,
        eventId: `e-${i}`,
        occurredAt: SAMPLE_PERIOD.from + i * 60_000,
      });
    }
    const pdf = await statementPdf(buildStatement(SAMPLE_ACCOUNT, many, SAMPLE_PERIOD), meta);
    expect(pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length).toBeGreaterThanOrEqual(3);
  });
});
