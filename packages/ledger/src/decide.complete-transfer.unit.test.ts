import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  ACCOUNT_ID,
  TRANSFER_ID,
  complete,
  completed,
  debited,
  deposited,
  opened,
  reversed,
} from '../test/fixtures.js';

describe('CompleteTransfer', () => {
  const debitedTransfer = [opened(1), deposited(2, 1_000), debited(3, 400)];

  it('settles the unsettled transfer from its own record, moving no money', () => {
    const [event] = given(debitedTransfer)
      .when(complete(4))
      .then([completed(4, 400)]);
    expect(event).toMatchObject({ transferId: TRANSFER_ID, toAccountId: 'acc-2', amount: 400 });
  });

  it('refuses a transfer already completed or reversed with TRANSFER_NOT_FOUND', () => {
    given([...debitedTransfer, completed(4, 400)])
      .when(complete(5))
      .then('TRANSFER_NOT_FOUND');
    given([...debitedTransfer, reversed(4, 400)])
      .when(complete(5))
      .then('TRANSFER_NOT_FOUND');
  });

  it('refuses a transfer the account never debited', () => {
    const rejection = given([opened(1)])
      .when(complete(2))
      .then('TRANSFER_NOT_FOUND');
    expect(rejection.message).toBe(
      `account acc-1 has no unsettled transfer ${TRANSFER_ID}: it was never debited from this ` +
        'account, or it was already completed or reversed',
    );
    expect(rejection.details).toEqual({ accountId: ACCOUNT_ID, transferId: TRANSFER_ID });
  });

  it('refuses a malformed transfer id and an account never opened', () => {
    given(debitedTransfer)
      .when(complete(4, { transferId: '' }))
      .then('INVALID_COMMAND');
    given([]).when(complete(1)).then('ACCOUNT_NOT_FOUND');
  });
});
