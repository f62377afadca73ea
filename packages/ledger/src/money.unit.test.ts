import { describe, expect, it } from 'vitest';
import {
  MAX_AMOUNT_MINOR,
  MAX_BALANCE_MINOR,
  MAX_OVERDRAFT_LIMIT_MINOR,
  isValidAmount,
  isValidOverdraftLimit,
} from './money.js';

describe('money limits', () => {
  it('keep every intermediate sum an exact JavaScript number', () => {
    expect(MAX_AMOUNT_MINOR).toBe(10 ** 14);
    expect(MAX_BALANCE_MINOR).toBe(10 ** 15);
    // The widest values decide computes: balance + amount, balance - amount, balance + limit.
    expect(MAX_BALANCE_MINOR + MAX_AMOUNT_MINOR).toBeLessThan(Number.MAX_SAFE_INTEGER);
    expect(-MAX_OVERDRAFT_LIMIT_MINOR - MAX_AMOUNT_MINOR).toBeGreaterThan(Number.MIN_SAFE_INTEGER);
    expect(MAX_BALANCE_MINOR + MAX_OVERDRAFT_LIMIT_MINOR).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });
});

describe('isValidAmount', () => {
  it.each([1, 2, 12_345, MAX_AMOUNT_MINOR])('accepts %s', (amount) => {
    expect(isValidAmount(amount)).toBe(true);
  });

  it.each([0, -1, 0.5, 1.5, MAX_AMOUNT_MINOR + 1, NaN, Infinity, '100', null, undefined, 10n])(
    'refuses %s',
    (amount) => {
      expect(isValidAmount(amount)).toBe(false);
    },
  );
});

describe('isValidOverdraftLimit', () => {
  it.each([0, 1, MAX_OVERDRAFT_LIMIT_MINOR])('accepts %s', (limit) => {
    expect(isValidOverdraftLimit(limit)).toBe(true);
  });

  it.each([-1, 0.1, MAX_OVERDRAFT_LIMIT_MINOR + 1, NaN, '0', undefined])('refuses %s', (limit) => {
    expect(isValidOverdraftLimit(limit)).toBe(false);
  });
});
