import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  ACCOUNT_ID,
  OTHER_ID,
  TRANSFER_ID,
  closed,
  debited,
  deposited,
  holdPlaced,
  opened,
  transfer,
  unsafe,
} from '../test/fixtures.js';
import type { FollowUp } from './commands.js';
import { MAX_AMOUNT_MINOR } from './money.js';

const creditOf = (amount: number): FollowUp => ({
  type: 'CreditTransfer',
  accountId: OTHER_ID,
  transferId: TRANSFER_ID,
  fromAccountId: ACCOUNT_ID,
  amount,
  currency: 'EUR',
});

describe('TransferMoney', () => {
  it('debits the source and asks the destination to credit, in one decision', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(transfer(3, { amount: 400 }))
      .then([debited(3, 400)], [creditOf(400)]);
  });

  it('may use the overdraft, not more', () => {
    const history = [opened(1, { overdraftLimit: 500 }), deposited(2, 100)];
    given(history)
      .when(transfer(3, { amount: 600 }))
      .then([debited(3, 600)], [creditOf(600)]);
    const rejection = given(history)
      .when(transfer(3, { amount: 601 }))
      .then('INSUFFICIENT_FUNDS');
    expect(rejection.message).toBe(
      'transferring 601 from account acc-1 would bring its balance to -501, below the overdraft ' +
        'limit of -500: at most 600 is available',
    );
  });

  it('counts live holds against the available balance', () => {
    const history = [opened(1), deposited(2, 1_000), holdPlaced(3, 700)];
    given(history)
      .when(transfer(4, { amount: 300 }))
      .then([debited(4, 300)], [creditOf(300)]);
    const rejection = given(history)
      .when(transfer(4, { amount: 301 }))
      .then('INSUFFICIENT_FUNDS');
    expect(rejection.message).toBe(
      'transferring 301 from account acc-1 would bring its available balance to -1 (balance 699 ' +
        'minus 700 held), below the overdraft limit of -0: at most 300 is available',
    );
    expect(rejection.details).toEqual({
      accountId: ACCOUNT_ID,
      amount: 301,
      balance: 1_000,
      held: 700,
      overdraftLimit: 0,
      available: 300,
    });
  });

  it('counts unsettled transfers as gone from the balance', () => {
    given([opened(1), deposited(2, 1_000), debited(3, 800)])
      .when(transfer(4, { amount: 201, transferId: '7a000000-0000-4000-8000-000000000002' }))
      .then('INSUFFICIENT_FUNDS');
  });

  it('refuses an id of a transfer still unsettled with TRANSFER_ALREADY_EXISTS', () => {
    const rejection = given([opened(1), deposited(2, 1_000), debited(3, 100)])
      .when(transfer(4))
      .then('TRANSFER_ALREADY_EXISTS');
    expect(rejection.details).toEqual({ accountId: ACCOUNT_ID, transferId: TRANSFER_ID });
  });

  it('refuses a transfer to the account itself with INVALID_COMMAND', () => {
    const rejection = given([opened(1), deposited(2, 1_000)])
      .when(transfer(3, { toAccountId: ACCOUNT_ID }))
      .then('INVALID_COMMAND');
    expect(rejection.message).toBe(
      'toAccountId "acc-1" is not allowed: a transfer needs two different accounts, and "acc-1" ' +
        'is the account itself',
    );
  });

  it.each([
    ['toAccountId', { toAccountId: ' acc-2' }],
    ['toAccountId', { toAccountId: '' }],
    ['transferId', { transferId: 'not-a-uuid' }],
    ['transferId', { transferId: unsafe<string>(undefined) }],
  ])('refuses a malformed %s with INVALID_COMMAND', (field, overrides) => {
    const rejection = given([opened(1), deposited(2, 1_000)])
      .when(transfer(3, overrides))
      .then('INVALID_COMMAND');
    expect(rejection.details).toMatchObject({ field });
  });

  it.each([0, -5, 1.5, MAX_AMOUNT_MINOR + 1])('refuses amount %j with INVALID_AMOUNT', (amount) => {
    given([opened(1), deposited(2, 1_000)])
      .when(transfer(3, { amount }))
      .then('INVALID_AMOUNT');
  });

  it('refuses another currency than the source’s with CURRENCY_MISMATCH', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(transfer(3, { currency: 'USD' }))
      .then('CURRENCY_MISMATCH');
  });

  it('refuses a source never opened or closed', () => {
    given([]).when(transfer(1)).then('ACCOUNT_NOT_FOUND');
    given([opened(1), closed(2)])
      .when(transfer(3))
      .then('ACCOUNT_CLOSED');
  });

  it('checks expectedVersion', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(transfer(3, { expectedVersion: 1 }))
      .then('VERSION_CONFLICT');
  });
});
