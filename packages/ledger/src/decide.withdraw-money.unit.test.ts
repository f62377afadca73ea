import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import { closed, deposited, opened, unsafe, withdraw, withdrawn } from '../test/fixtures.js';
import { MAX_AMOUNT_MINOR } from './money.js';

describe('WithdrawMoney', () => {
  it('withdraws what the balance covers', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(withdraw(3, { amount: 400 }))
      .then([withdrawn(3, 400)]);
  });

  it('withdraws the whole balance', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(withdraw(3, { amount: 1_000 }))
      .then([withdrawn(3, 1_000)]);
  });

  it('goes below zero down to the overdraft limit, not further', () => {
    const history = [opened(1, { overdraftLimit: 500 }), deposited(2, 1_000)];
    given(history)
      .when(withdraw(3, { amount: 1_500 }))
      .then([withdrawn(3, 1_500)]);
    given(history)
      .when(withdraw(3, { amount: 1_501 }))
      .then('INSUFFICIENT_FUNDS');
  });

  it('rejects any withdrawal from an empty account without overdraft with INSUFFICIENT_FUNDS', () => {
    const rejection = given([opened(1)])
      .when(withdraw(2, { amount: 1 }))
      .then('INSUFFICIENT_FUNDS');
    expect(rejection.details).toEqual({
      accountId: 'acc-1',
      amount: 1,
      balance: 0,
      held: 0,
      overdraftLimit: 0,
      available: 0,
    });
  });

  it('says how much is available', () => {
    const rejection = given([opened(1, { overdraftLimit: 100 }), deposited(2, 250)])
      .when(withdraw(3, { amount: 400 }))
      .then('INSUFFICIENT_FUNDS');
    expect(rejection.message).toBe(
      'withdrawing 400 from account acc-1 would bring its balance to -150, below the overdraft ' +
        'limit of -100: at most 350 is available',
    );
    expect(rejection.details).toMatchObject({ available: 350 });
  });

  it('rejects an overdrawn account at its limit', () => {
    given([opened(1, { overdraftLimit: 100 }), withdrawn(2, 100)])
      .when(withdraw(3, { amount: 1 }))
      .then('INSUFFICIENT_FUNDS');
  });

  it('rejects an account never opened with ACCOUNT_NOT_FOUND', () => {
    given([]).when(withdraw(1)).then('ACCOUNT_NOT_FOUND');
  });

  it('rejects a closed account with ACCOUNT_CLOSED', () => {
    given([opened(1), closed(2)])
      .when(withdraw(3))
      .then('ACCOUNT_CLOSED');
  });

  it('rejects another currency with CURRENCY_MISMATCH', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(withdraw(3, { currency: 'GBP' }))
      .then('CURRENCY_MISMATCH');
  });

  it('rejects an unknown currency with INVALID_CURRENCY', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(withdraw(3, { currency: 'EUR ' }))
      .then('INVALID_CURRENCY');
  });

  it.each([0, -100, 99.99, MAX_AMOUNT_MINOR + 1, null])(
    'rejects amount %j with INVALID_AMOUNT',
    (amount) => {
      const rejection = given([opened(1), deposited(2, 1_000)])
        .when(withdraw(3, { amount: unsafe<number>(amount) }))
        .then('INVALID_AMOUNT');
      expect(rejection.details).toMatchObject({ field: 'amount' });
    },
  );

  it('checks expectedVersion', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(withdraw(3, { expectedVersion: 2 }))
      .then([withdrawn(3, 100)]);
    given([opened(1), deposited(2, 1_000)])
      .when(withdraw(3, { expectedVersion: 5 }))
      .then('VERSION_CONFLICT');
  });

  it('reports VERSION_CONFLICT before INSUFFICIENT_FUNDS', () => {
    given([opened(1)])
      .when(withdraw(2, { expectedVersion: 0, amount: 10 }))
      .then('VERSION_CONFLICT');
  });
});
