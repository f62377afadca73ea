import { isCurrencyCode, minorUnitsOf } from '@tally/ledger';

/**
 * Exact money for the reports. Every sum is a BigInt of minor units, and sums are kept per
 * currency: EUR cents, JPY and BHD fils are different units and are never added together. One
 * event's amount is a safe integer (the ledger caps it), but totals over many events are not.
 *
 * In JSON, amounts travel as decimal strings of minor units ("9099999999999909"): a JSON number
 * past 2^53 is silently rounded by most readers.
 */

/** Minor units of one currency. */
export type Minor = bigint;

/**
 * Sums of minor units keyed by currency code. A prototype-less object, so a hostile code such as
 * "__proto__" is just a key.
 */
export type CurrencyTotals = Record<string, Minor>;

export function currencyTotals(): CurrencyTotals {
  return Object.create(null) as CurrencyTotals;
}

/** Adds `amount` (minor units) to the total of its currency. */
export function addTo(totals: CurrencyTotals, currency: string, amount: Minor | number): void {
  totals[currency] = (totals[currency] ?? 0n) + BigInt(amount);
}

/**
 * Digits of the currency's minor unit: the ledger's ISO 4217 table first, then the runtime's
 * (which still knows withdrawn codes such as HRK), else 2.
 */
export function minorDigits(currency: string | null): number {
  if (currency === null) return 2;
  if (isCurrencyCode(currency)) return minorUnitsOf(currency);
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
  } catch {
    return 2;
  }
}

/** Minor units as an exact decimal string in the currency's digits: 12050 EUR -> "120.50". */
export function minorToDecimal(minor: Minor | number, currency: string | null): string {
  const value = BigInt(minor);
  const digits = minorDigits(currency);
  const negative = value < 0n;
  const text = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${major}` : major;
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Minor units for people: grouping, the currency's symbol or code and its digits, in a locale
 * ("1,234,567.89 €" style). Exact at any size: Intl formats the decimal string, not a float.
 */
export function formatMoney(
  minor: Minor | number,
  currency: string | null,
  locale = 'en-GB',
): string {
  const digits = minorDigits(currency);
  const key = `${locale}|${currency ?? ''}`;
  let format = formatters.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, {
      ...(currency === null ? {} : { style: 'currency', currency, currencyDisplay: 'code' }),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, format);
  }
  // Intl.NumberFormat reads a string as an exact decimal (ECMA-402 "Intl mathematical value").
  return format.format(minorToDecimal(minor, currency) as unknown as number);
}

/** A JSON-ready copy of a value: every bigint becomes its decimal string. */
export function jsonSafe<T>(value: T): JsonSafe<T> {
  return JSON.parse(
    JSON.stringify(value, (_key, member: unknown) =>
      typeof member === 'bigint' ? member.toString() : member,
    ),
  ) as JsonSafe<T>;
}

export type JsonSafe<T> = T extends bigint
  ? string
  : T extends readonly (infer U)[]
    ? JsonSafe<U>[]
    : T extends object
      ? { [K in keyof T]: JsonSafe<T[K]> }
      : T;
