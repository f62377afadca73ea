/**
 * Strict time for query parameters (the audit's report periods, the projector's `asOf`). One
 * parser, so every endpoint and CLI refuses the same inputs the same way. Pure: it is also
 * imported alone, as `@tally/service/time`, by code that must not load the HTTP kit.
 *
 *
 * - a date is `YYYY-MM-DD` and must exist (`2026-02-30` is refused, never rolled into March);
 *   as a bound it means the start of that day in the report's time zone (UTC unless given);
 * - a date-time is RFC 3339 and must carry `Z` or an offset (`+01:00`): a date-time without one
 *   would be read in whatever zone the server runs in;
 * - epoch milliseconds are digits only;
 * - every instant must lie in years 0000..9999, the range an ISO 8601 date with four year digits
 *   can print back, so no report ever fails formatting a bound.
 *
 * Errors are values naming the parameter, the value, why, and what is allowed: ready for a 400
 * problem detail's `invalid-params`.
 */

export interface ParameterProblem {
  readonly name: string;
  readonly value: string;
  readonly reason: string;
  readonly allowed: string;
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: ParameterProblem };

export interface Period {
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
}

export interface Day extends Period {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly timeZone: string;
}

/** 0000-01-01T00:00:00.000Z. */
export const EARLIEST_INSTANT = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z. */
export const LATEST_INSTANT = 253_402_300_799_999;

export const INSTANT_FORMS =
  'YYYY-MM-DD, an RFC 3339 date-time with Z or an offset (2026-03-01T09:30:00+01:00), or epoch milliseconds, in years 0000..9999';
export const DATE_FORM = 'a calendar date YYYY-MM-DD that exists';
export const TIME_ZONE_FORM = 'an IANA time zone such as UTC or Europe/Berlin';

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const refuse = (name: string, value: string, reason: string, allowed: string): Parsed<never> => ({
  ok: false,
  problem: { name, value, reason, allowed },
});

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const EPOCH_MS = /^\d{1,16}$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Epoch ms of a UTC wall time; years 0..99 are not shifted to 19xx as Date.UTC does. */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, ms));
  date.setUTCFullYear(y);
  return date.getTime();
}

interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

function calendarDate(y: string, m: string, d: string): CalendarDate | string {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12) return `month ${m} does not exist`;
  if (day < 1 || day > daysInMonth(year, month)) return `${y}-${m} has no day ${d}`;
  return { year, month, day };
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(timeZone, format);
  }
  return format;
}

/** The zone's offset from UTC at an instant, in ms (Europe/Berlin in winter: 3,600,000). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const parts: Record<string, string> = {};
  for (const part of zoneFormat(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  const year = parts['era'] === 'BC' ? 1 - Number(parts['year']) : Number(parts['year']);
  const wall = utcMs(
    year,
    Number(parts['month']),
    Number(parts['day']),
    Number(parts['hour']),
    Number(parts['minute']),
    Number(parts['second']),
  );
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The first instant of a calendar day in a zone (DST-safe: a day may start at 01:00). */
export function startOfDay(date: CalendarDate, timeZone: string): number {
  const midnight = utcMs(date.year, date.month, date.day);
  if (timeZone === 'UTC') return midnight;
  // Midnight minus the offset before or after a shift; the earliest that falls on the day wins.
  // Where midnight does not exist (a shift at 00:00) that is the instant of the shift.
  const first = midnight - zoneOffsetMs(midnight, timeZone);
  const second = midnight - zoneOffsetMs(first, timeZone);
  const onTheDay = (instant: number) => {
    const wall = new Date(instant + zoneOffsetMs(instant, timeZone));
    wall.setUTCHours(0, 0, 0, 0);
    return wall.getTime() === midnight;
  };
  const candidates = [Math.min(first, second), Math.max(first, second)];
  return candidates.find(onTheDay) ?? Math.max(first, second);
}

export function parseTimeZone(name: string, value: string): Parsed<string> {
  if (value === '' || value.length > 64)
    return refuse(name, value, 'is empty or too long', TIME_ZONE_FORM);
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions()
      .timeZone;
    return ok(resolved === 'Etc/UTC' || resolved === 'Etc/GMT' ? 'UTC' : resolved);
  } catch {
    return refuse(name, value, 'is not a known time zone', TIME_ZONE_FORM);
  }
}

function inRange(name: string, value: string, ms: number): Parsed<number> {
  if (!Number.isSafeInteger(ms) || ms < EARLIEST_INSTANT || ms > LATEST_INSTANT) {
    return refuse(name, value, 'is outside years 0000..9999', INSTANT_FORMS);
  }
  return ok(ms);
}

/** A calendar day `YYYY-MM-DD` in a zone, as the period [start of day, start of next day). */
export function parseDay(name: string, value: string, timeZone = 'UTC'): Parsed<Day> {
  const match = DATE.exec(value);
  if (!match) return refuse(name, value, 'is not a date YYYY-MM-DD', DATE_FORM);
  const [, y, m, d] = match as unknown as [string, string, string, string];
  const date = calendarDate(y, m, d);
  if (typeof date === 'string')
    return refuse(name, value, `is not a real date: ${date}`, DATE_FORM);
  const next = new Date(utcMs(date.year, date.month, date.day) + 86_400_000);
  const from = inRange(name, value, startOfDay(date, timeZone));
  const to = inRange(
    name,
    value,
    startOfDay(
      { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
      timeZone,
    ),
  );
  if (!from.ok) return from;
  if (!to.ok) return to;
  return ok({ date: value, timeZone, from: from.value, to: to.value });
}

/**
 * A period bound: a date (start of that day in `timeZone`), an RFC 3339 date-time with an offset,
 * or epoch ms. Sub-millisecond digits must be zeros: events are timed in milliseconds, and a
 * rounded bound would silently move an event across it.
 */
export function parseInstant(name: string, value: string, timeZone = 'UTC'): Parsed<number> {
  if (EPOCH_MS.test(value)) return inRange(name, value, Number(value));
  if (DATE.test(value)) {
    const day = parseDay(name, value, timeZone);
    return day.ok ? ok(day.value.from) : refuse(name, value, day.problem.reason, INSTANT_FORMS);
  }
  const match = DATE_TIME.exec(value);
  if (!match) {
    const reason = /^\d{4}-\d{2}-\d{2}[Tt][\d:.]+$/.test(value)
      ? 'has no offset: add Z or +HH:MM, so it does not depend on the server time zone'
      : 'is not a date, an RFC 3339 date-time or epoch milliseconds';
    return refuse(name, value, reason, INSTANT_FORMS);
  }
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = match;
  const date = calendarDate(y as string, mo as string, d as string);
  if (typeof date === 'string')
    return refuse(name, value, `is not a real date: ${date}`, INSTANT_FORMS);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) {
    return refuse(name, value, `${h}:${mi}:${s} is not a time of day`, INSTANT_FORMS);
  }
  const digits = (fraction ?? '').padEnd(9, '0');
  if (/[1-9]/.test(digits.slice(3))) {
    return refuse(name, value, 'is finer than a millisecond', INSTANT_FORMS);
  }
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const offsetHours = Number(oh);
    const offsetMins = Number(om);
    if (offsetHours > 23 || offsetMins > 59) {
      return refuse(name, value, `offset ${sign}${oh}:${om} is not an offset`, INSTANT_FORMS);
    }
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const wall = utcMs(
    date.year,
    date.month,
    date.day,
    hour,
    minute,
    second,
    Number(digits.slice(0, 3)),
  );
  return inRange(name, value, wall - offsetMinutes * 60_000);
}

/** `from` and `to` as a period: both valid instants and `to` after `from`. */
export function parsePeriod(
  from: { readonly name: string; readonly value: string },
  to: { readonly name: string; readonly value: string },
  timeZone = 'UTC',
): Parsed<Period> {
  const start = parseInstant(from.name, from.value, timeZone);
  if (!start.ok) return start;
  const end = parseInstant(to.name, to.value, timeZone);
  if (!end.ok) return end;
  if (end.value <= start.value) {
    return refuse(to.name, to.value, `must be after ${from.name} (${from.value})`, INSTANT_FORMS);
  }
  return ok({ from: start.value, to: end.value });
}
