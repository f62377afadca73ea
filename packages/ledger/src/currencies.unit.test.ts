import { describe, expect, it } from 'vitest';
import { CURRENCIES, CURRENCY_CODES, isCurrencyCode, minorUnitsOf } from './currencies.js';

describe('currency table', () => {
  it('lists the active ISO 4217 codes that have a minor unit, sorted and unique', () => {
    expect(CURRENCY_CODES).toHaveLength(165);
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    expect([...CURRENCY_CODES].sort()).toEqual(CURRENCY_CODES);
    for (const code of CURRENCY_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it('gives each code its minor-unit digits', () => {
    expect(minorUnitsOf('EUR')).toBe(2);
    expect(minorUnitsOf('USD')).toBe(2);
    expect(minorUnitsOf('JPY')).toBe(0);
    expect(minorUnitsOf('KRW')).toBe(0);
    expect(minorUnitsOf('BHD')).toBe(3);
    expect(minorUnitsOf('KWD')).toBe(3);
    expect(minorUnitsOf('CLF')).toBe(4);
    expect(CURRENCIES.CHF.name).toBe('Swiss Franc');
    for (const code of CURRENCY_CODES) expect([0, 2, 3, 4]).toContain(minorUnitsOf(code));
  });

  it('leaves out units without a minor unit and withdrawn codes', () => {
    for (const code of ['XAU', 'XAG', 'XDR', 'XTS', 'XXX', 'HRK', 'SLL', 'ZWL', 'CUC', 'ANG']) {
      expect(isCurrencyCode(code)).toBe(false);
    }
  });
});

describe('isCurrencyCode', () => {
  it.each(['EUR', 'USD', 'GBP', 'JPY', 'XCG', 'ZWG', 'SLE', 'VED'])('accepts %s', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
  });

  it.each(['eur', 'Eur', ' EUR', 'EUR ', 'EURO', 'EU', '', 'ABC', 'toString', 'constructor', 978])(
    'refuses %j',
    (code) => {
      expect(isCurrencyCode(code)).toBe(false);
    },
  );
});
