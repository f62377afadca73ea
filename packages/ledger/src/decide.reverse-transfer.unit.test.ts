import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  completed,
  debited,
  deposited,
  opened,
  reverse,
  reversed,
  unsafe,
} from '../test/fixtures.js';
import { foldEvents } from './evolve.js';
import { MAX_BALANCE_MINOR } from './money.js';

describe('ReverseTransfer', () => {
  const debitedTransfer = [opened(1), deposited(2, 1_000), debited(3, 400)];

  it('gives the source its money back, with the destination’s reason', () => {
    const events = given(debitedTransfer)
      .when(reverse(4, { reason: 'CURRENCY_MISMATCH' }))
      .then([reversed(4, 400, { reason: 'CURRENCY_MISMATCH' })]);
    expect(foldEvents([...debitedTransfer, ...events])).toMatchObject({
      balance: 1_000,
      unsettled: 0,
      unsettledTransfers: [],
    });
  });

  it('refuses a second reversal and a reversal after completion', () => {
    given([...debitedTransfer, reversed(4, 400)])
      .when(reverse(5))
      .then('TRANSFER_NOT_FOUND');
    given([...debitedTransfer, completed(4, 400)])
      .when(reverse(5))
      .then('TRANSFER_NOT_FOUND');
  });

  it('refuses a reason that is not a rejection code', () => {
    const rejection = given(debitedTransfer)
      .when(reverse(4, { reason: 'because' }))
      .then('INVALID_COMMAND');
    expect(rejection.details).toEqual({ field: 'reason', value: 'because' });
    given(debitedTransfer)
      .when(reverse(4, { reason: unsafe<string>(undefined) }))
      .then('INVALID_COMMAND');
  });

  it('always fits under the ceiling: deposits kept room for it', () => {
    const nearlyFull = [
      opened(1),
      ...Array.from({ length: 10 }, (_, i) => deposited(i + 2, MAX_BALANCE_MINOR / 10)),
      debited(12, 400),
    ];
    // The ceiling counts the unsettled 400: a deposit may bring the balance back to 10^15 - 400 only.
    given(nearlyFull)
      .when({
        type: 'DepositMoney',
        accountId: 'acc-1',
        amount: 1,
        currency: 'EUR',
        metadata: reverse(13).metadata,
      })
      .then('BALANCE_LIMIT_EXCEEDED');
    const events = given(nearlyFull)
      .when(reverse(13))
      .then([reversed(13, 400)]);
    expect(foldEvents([...nearlyFull, ...events])).toMatchObject({ balance: MAX_BALANCE_MINOR });
  });
});
