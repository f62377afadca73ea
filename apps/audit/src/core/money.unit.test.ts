import { describe, expect, it } from 'vitest';
import {
  addTo,
  currencyTotals,
  formatMoney,
  jsonSafe,
  minorDigits,
  minorToDecimal,
} from './money.js';

describe('exact money', () => {
  it('sums past 2^53 exactly, where numbers round', () => {
    // The case seen in production: 91 deposits of 99,999,999,999,999 minor units.
    const amounts = Array.from({ length: 91 }, () => 99_999_999_999_999);
    const asNumber = amounts.reduce((sum, a) => sum + a, 0);
    const totals = currencyTotals();
    for (const amount of amounts) addTo(totals, 'EUR', amount);
    expect(totals['EUR']).toBe(9_099_999_999_999_909n);
    expect(asNumber).toBe(9_099_999_999_999_908); // what a JS number sum gives
    expect(BigInt(asNumber)).not.toBe(totals['EUR']);
    expect(jsonSafe({ totals })).toEqual({ totals: { EUR: '9099999999999909' } });
  });

  it('keeps currencies apart, even a hostile code', () => {
    const totals = currencyTotals();
    addTo(totals, 'EUR', 150);
    addTo(totals, 'JPY', 500);
    addTo(totals, 'BHD', 1_234);
    addTo(totals, 'EUR', -30);
    addTo(totals, '__proto__', 1);
    expect({ ...totals }).toEqual({ EUR: 120n, JPY: 500n, BHD: 1_234n, ['__proto__']: 1n });
  });

  it('prints minor units in the currency digits, exactly', () => {
    expect(minorToDecimal(12050, 'EUR')).toBe('120.50');
    expect(minorToDecimal(-5, 'EUR')).toBe('-0.05');
    expect(minorToDecimal(500, 'JPY')).toBe('500');
    expect(minorToDecimal(1234n, 'BHD')).toBe('1.234');
    expect(minorToDecimal(9_099_999_999_999_909n, 'EUR')).toBe('90999999999999.09');
    // A withdrawn code is unknown to the ledger's table; the runtime still knows its digits.
    expect(minorDigits('HRK')).toBe(2);
    expect(minorDigits('CLF')).toBe(4);
  });

  it('formats for people with grouping and the currency, exact past 2^53', () => {
    // Intl puts a no-break space between code and number.
    const money = (...args: Parameters<typeof formatMoney>) =>
      formatMoney(...args).replaceAll('\u00a0', ' ');
    expect(money(123_456_789n, 'EUR')).toBe('EUR 1,234,567.89');
    expect(money(-3_000n, 'EUR')).toBe('-EUR 30.00');
    expect(money(1_234_567n, 'JPY')).toBe('JPY 1,234,567');
    expect(money(1_234_567n, 'BHD')).toBe('BHD 1,234.567');
    expect(money(9_099_999_999_999_909n, 'EUR')).toBe('EUR 90,999,999,999,999.09');
    expect(money(123_456_789n, 'EUR', 'de-DE')).toBe('1.234.567,89 EUR');
  });
});
