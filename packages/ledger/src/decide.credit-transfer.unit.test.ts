import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  ACCOUNT_ID,
  OTHER_ID,
  TRANSFER_ID,
  closed,
  credit,
  credited,
  debited,
  deposited,
  opened,
  unsafe,
} from '../test/fixtures.js';
import type { CreditTransfer, FollowUp } from './commands.js';
import type { RejectionCode } from './decision.js';
import type { AccountEvent } from './events.js';
import { MAX_BALANCE_MINOR } from './money.js';

// Here acc-1 is the destination and acc-2 the source.
const complete: FollowUp = {
  type: 'CompleteTransfer',
  accountId: OTHER_ID,
  transferId: TRANSFER_ID,
};
const reverse = (reason: RejectionCode): FollowUp => ({
  type: 'ReverseTransfer',
  accountId: OTHER_ID,
  transferId: TRANSFER_ID,
  reason,
});

describe('CreditTransfer', () => {
  it('credits the destination and tells the source to complete', () => {
    given([opened(1)])
      .when(credit(2, { amount: 250 }))
      .then([credited(2, 250)], [complete]);
  });

  it('credits an overdrawn destination and ignores its holds and overdraft', () => {
    given([opened(1, { overdraftLimit: 100 }), debited(2, 100, { toAccountId: 'acc-9' })])
      .when(credit(3))
      .then([credited(3, 100)], [complete]);
  });

  it.each<[string, AccountEvent[], Partial<CreditTransfer>, RejectionCode]>([
    ['a destination never opened', [], {}, 'ACCOUNT_NOT_FOUND'],
    ['a closed destination', [opened(1), closed(2)], {}, 'ACCOUNT_CLOSED'],
    ['another currency', [opened(1)], { currency: 'USD' }, 'CURRENCY_MISMATCH'],
  ])(
    'refuses %s, writes no event and tells the source to reverse',
    (_, history, overrides, code) => {
      given(history)
        .when(credit(history.length + 1, overrides))
        .then(code, [reverse(code)]);
    },
  );

  it('refuses a credit above the ceiling and reverses it', () => {
    const full = [
      opened(1),
      ...Array.from({ length: 10 }, (_, i) => deposited(i + 2, MAX_BALANCE_MINOR / 10)),
    ];
    const rejection = given(full)
      .when(credit(12, { amount: 1 }))
      .then('BALANCE_LIMIT_EXCEEDED', [reverse('BALANCE_LIMIT_EXCEEDED')]);
    expect(rejection.message).toBe(
      'crediting 1 into account acc-1 would bring its balance to 1000000000000001, above the ' +
        'maximum balance of 1000000000000000',
    );
  });

  it('keeps room under the ceiling for the reversal of the destination’s own unsettled transfers', () => {
    const history = [
      opened(1),
      ...Array.from({ length: 10 }, (_, i) => deposited(i + 2, MAX_BALANCE_MINOR / 10)),
      debited(12, 50, { toAccountId: 'acc-9', transferId: '7a000000-0000-4000-8000-0000000000aa' }),
    ];
    given(history)
      .when(credit(13, { amount: 50 }))
      .then('BALANCE_LIMIT_EXCEEDED', [reverse('BALANCE_LIMIT_EXCEEDED')]);
  });

  it('reverses even a malformed credit when it can address the source', () => {
    given([opened(1)])
      .when(credit(2, { amount: 0 }))
      .then('INVALID_AMOUNT', [reverse('INVALID_AMOUNT')]);
  });

  it('cannot reverse a credit that names no usable source or transfer', () => {
    given([opened(1)])
      .when(credit(2, { fromAccountId: unsafe<string>(null) }))
      .then('INVALID_COMMAND', []);
    given([opened(1)])
      .when(credit(2, { transferId: 'nope' }))
      .then('INVALID_COMMAND', []);
  });

  it('refuses a credit from the account itself', () => {
    given([opened(1)])
      .when(credit(2, { fromAccountId: ACCOUNT_ID }))
      .then('INVALID_COMMAND', [
        {
          type: 'ReverseTransfer',
          accountId: ACCOUNT_ID,
          transferId: TRANSFER_ID,
          reason: 'INVALID_COMMAND',
        },
      ]);
  });
});
