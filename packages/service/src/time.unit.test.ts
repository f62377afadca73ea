import { describe, expect, it } from 'vitest';
import {
  EARLIEST_INSTANT,
  LATEST_INSTANT,
  parseDay,
  parseInstant,
  parsePeriod,
  parseTimeZone,
  startOfDay,
  zoneOffsetMs,
} from './time.js';

const value = <T>(parsed: { ok: true; value: T } | { ok: false }) =>
  parsed.ok ? parsed.value : undefined;
const problem = (parsed: { ok: boolean; problem?: unknown }) =>
  parsed.ok ? undefined : parsed.problem;

describe('strict time', () => {
  it('reads dates, date-times with offsets and epoch ms', () => {
    expect(value(parseInstant('from', '2026-03-02'))).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(value(parseInstant('from', '2026-03-02T10:00:00+01:00'))).toBe(
      Date.parse('2026-03-02T09:00:00Z'),
    );
    expect(value(parseInstant('from', '2026-03-02T09:00:00.120Z'))).toBe(
      Date.parse('2026-03-02T09:00:00.120Z'),
    );
    expect(value(parseInstant('from', '2026-03-02T09:00:00.120000Z'))).toBe(
      Date.parse('2026-03-02T09:00:00.120Z'),
    );
    expect(value(parseInstant('from', '1700000000000'))).toBe(1_700_000_000_000);
    expect(value(parseInstant('from', '0000-01-01'))).toBe(EARLIEST_INSTANT);
    expect(value(parseInstant('to', '9999-12-31T23:59:59.999Z'))).toBe(LATEST_INSTANT);
  });

  it('refuses an impossible date, naming the parameter and what is allowed', () => {
    expect(problem(parseInstant('asOf', '2026-02-30'))).toMatchObject({
      name: 'asOf',
      value: '2026-02-30',
      reason: expect.stringContaining('2026-02 has no day 30'),
      allowed: expect.stringContaining('YYYY-MM-DD'),
    });
    expect(problem(parseDay('date', '2025-02-29'))).toMatchObject({ name: 'date' });
    expect(value(parseDay('date', '2024-02-29'))).toMatchObject({ date: '2024-02-29' });
    expect(problem(parseInstant('from', '2026-13-01T00:00:00Z'))).toMatchObject({
      reason: expect.stringContaining('month 13'),
    });
    expect(problem(parseInstant('from', '2026-03-01T24:00:00Z'))).toMatchObject({
      reason: expect.stringContaining('not a time of day'),
    });
  });

  it('refuses a date-time without an offset', () => {
    expect(problem(parseInstant('to', '2026-03-02T10:00:00'))).toMatchObject({
      name: 'to',
      reason: expect.stringContaining('no offset'),
    });
    expect(problem(parseInstant('to', '2026-03-02T10:00'))).toMatchObject({
      reason: expect.stringContaining('no offset'),
    });
  });

  it('refuses bounds outside years 0000..9999 and other junk', () => {
    for (const bad of [
      '99999999999999999',
      '253402300800000',
      '10000-01-01',
      '-1',
      '1e12',
      '',
      'yesterday',
      '2026-03-02T10:00:00+24:00',
      '2026-03-02T10:00:00.0001Z',
      ' 2026-03-02',
    ]) {
      expect(parseInstant('from', bad).ok, bad).toBe(false);
    }
    // A valid wall time whose offset puts it before year 0000.
    expect(parseInstant('from', '0000-01-01T00:00:00+01:00').ok).toBe(false);
  });

  it('reads a day in a time zone, 23 hours long when clocks go forward', () => {
    const day = value(parseDay('date', '2026-03-29', 'Europe/Berlin'))!;
    expect(new Date(day.from).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(day.to).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(zoneOffsetMs(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    // Where midnight does not exist, the day starts when the clocks jump (00:00 -> 01:00).
    const start = startOfDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago');
    expect(new Date(start).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('checks time zones and periods', () => {
    expect(value(parseTimeZone('tz', 'Europe/Berlin'))).toBe('Europe/Berlin');
    expect(value(parseTimeZone('tz', 'Etc/UTC'))).toBe('UTC');
    expect(problem(parseTimeZone('tz', 'Mars/Olympus'))).toMatchObject({ name: 'tz' });
    expect(
      value(
        parsePeriod(
          { name: 'from', value: '2026-03-01' },
          { name: 'to', value: '2026-04-01' },
          'Europe/Berlin',
        ),
      ),
    ).toEqual({ from: Date.parse('2026-02-28T23:00:00Z'), to: Date.parse('2026-03-31T22:00:00Z') });
    expect(
      problem(
        parsePeriod({ name: 'from', value: '2026-03-02' }, { name: 'to', value: '2026-03-02' }),
      ),
    ).toMatchObject({ name: 'to', reason: expect.stringContaining('after from') });
    expect(
      problem(
        parsePeriod({ name: 'from', value: '2026-02-30' }, { name: 'to', value: '2026-03-02' }),
      ),
    ).toMatchObject({ name: 'from' });
  });
});
