import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import { closed, deposit, deposited, opened, unsafe, withdrawn } from '../test/fixtures.js';
import { MAX_AMOUNT_MINOR, MAX_BALANCE_MINOR } from './money.js';

describe('DepositMoney', () => {
  it('deposits into an open account', () => {
    given([opened(1)])
      .when(deposit(2, { amount: 2_500 }))
      .then([deposited(2, 2_500)]);
  });

  it('deposits into an overdrawn account', () => {
    given([opened(1, { overdraftLimit: 100 }), withdrawn(2, 100)])
      .when(deposit(3, { amount: 1 }))
      .then([deposited(3, 1)]);
  });

  it('accepts the largest amount', () => {
    given([opened(1)])
      .when(deposit(2, { amount: MAX_AMOUNT_MINOR }))
      .then([deposited(2, MAX_AMOUNT_MINOR)]);
  });

  it('accepts the matching expectedVersion', () => {
    given([opened(1), deposited(2, 1)])
      .when(deposit(3, { expectedVersion: 2 }))
      .then([deposited(3, 100)]);
  });

  it('rejects a stale expectedVersion with VERSION_CONFLICT', () => {
    const rejection = given([opened(1), deposited(2, 1)])
      .when(deposit(3, { expectedVersion: 1 }))
      .then('VERSION_CONFLICT');
    expect(rejection.message).toBe(
      'expectedVersion 1 does not match version 2 of account acc-1: read the account again and retry',
    );
  });

  it('rejects an account never opened with ACCOUNT_NOT_FOUND', () => {
    const rejection = given([]).when(deposit(1)).then('ACCOUNT_NOT_FOUND');
    expect(rejection).toEqual({
      code: 'ACCOUNT_NOT_FOUND',
      message: 'account acc-1 does not exist: open it with OpenAccount first',
      details: { accountId: 'acc-1' },
    });
  });

  it('rejects a closed account with ACCOUNT_CLOSED', () => {
    const rejection = given([opened(1), closed(2)])
      .when(deposit(3))
      .then('ACCOUNT_CLOSED');
    expect(rejection.message).toBe(
      'account acc-1 was closed at version 2: DepositMoney is not allowed on a closed account',
    );
  });

  it('reports VERSION_CONFLICT before ACCOUNT_CLOSED', () => {
    given([opened(1), closed(2)])
      .when(deposit(3, { expectedVersion: 1 }))
      .then('VERSION_CONFLICT');
  });

  it('rejects another currency with CURRENCY_MISMATCH', () => {
    const rejection = given([opened(1)])
      .when(deposit(2, { currency: 'USD' }))
      .then('CURRENCY_MISMATCH');
    expect(rejection).toEqual({
      code: 'CURRENCY_MISMATCH',
      message:
        "currency USD does not match currency EUR of account acc-1: movements must be in the account's currency",
      details: { accountId: 'acc-1', currency: 'USD', accountCurrency: 'EUR' },
    });
  });

  describe('rejects a bad amount with INVALID_AMOUNT', () => {
    it.each([0, -1, 1.5, MAX_AMOUNT_MINOR + 1, NaN, Infinity, '100', undefined])(
      'amount %j',
      (amount) => {
        given([opened(1)])
          .when(deposit(2, { amount: unsafe<number>(amount) }))
          .then('INVALID_AMOUNT');
      },
    );

    it('says which value and what is allowed', () => {
      const rejection = given([opened(1)])
        .when(deposit(2, { amount: 0 }))
        .then('INVALID_AMOUNT');
      expect(rejection).toEqual({
        code: 'INVALID_AMOUNT',
        message:
          'amount 0 is not allowed: amounts are positive integers of minor units up to 100000000000000',
        details: { field: 'amount', value: 0, min: 1, max: MAX_AMOUNT_MINOR },
      });
    });

    it('keeps details JSON-safe for values JSON cannot carry', () => {
      const rejection = given([opened(1)])
        .when(deposit(2, { amount: NaN }))
        .then('INVALID_AMOUNT');
      expect(rejection.details).toMatchObject({ value: 'NaN' });
      expect(rejection.message).toContain('amount NaN is not allowed');
    });
  });

  it('rejects an invalid currency with INVALID_CURRENCY before comparing currencies', () => {
    given([opened(1)])
      .when(deposit(2, { currency: 'usd' }))
      .then('INVALID_CURRENCY');
  });

  it('validates the amount before looking for the account', () => {
    given([])
      .when(deposit(1, { amount: -5 }))
      .then('INVALID_AMOUNT');
  });

  describe('balance limit', () => {
    const nearlyFull = [
      opened(1),
      ...Array.from({ length: 9 }, (_, i) => deposited(i + 2, MAX_AMOUNT_MINOR)),
      deposited(11, MAX_AMOUNT_MINOR - 10),
    ];

    it('accepts a deposit that reaches the maximum balance exactly', () => {
      given(nearlyFull)
        .when(deposit(12, { amount: 10 }))
        .then([deposited(12, 10)]);
    });

    it('rejects a deposit above the maximum balance with BALANCE_LIMIT_EXCEEDED', () => {
      const rejection = given(nearlyFull)
        .when(deposit(12, { amount: 11 }))
        .then('BALANCE_LIMIT_EXCEEDED');
      expect(rejection).toEqual({
        code: 'BALANCE_LIMIT_EXCEEDED',
        message:
          'depositing 11 into account acc-1 would bring its balance to 1000000000000001, ' +
          'above the maximum balance of 1000000000000000',
        details: {
          accountId: 'acc-1',
          amount: 11,
          balance: MAX_BALANCE_MINOR - 10,
          unsettled: 0,
          maxBalance: MAX_BALANCE_MINOR,
        },
      });
    });
  });
});
