import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  close,
  closed,
  completed,
  debited,
  deposited,
  holdPlaced,
  holdReleased,
  opened,
  withdrawn,
} from '../test/fixtures.js';

describe('CloseAccount', () => {
  it('closes an account at a zero balance', () => {
    given([opened(1)])
      .when(close(2))
      .then([closed(2)]);
    given([opened(1), deposited(2, 300), withdrawn(3, 300)])
      .when(close(4))
      .then([closed(4)]);
  });

  it('rejects a positive balance with BALANCE_NOT_ZERO', () => {
    const rejection = given([opened(1), deposited(2, 300)])
      .when(close(3))
      .then('BALANCE_NOT_ZERO');
    expect(rejection).toEqual({
      code: 'BALANCE_NOT_ZERO',
      message:
        'account acc-1 has a balance of 300 (EUR minor units): an account can be closed only at a balance of 0',
      details: { accountId: 'acc-1', balance: 300, currency: 'EUR' },
    });
  });

  it('rejects a negative balance with BALANCE_NOT_ZERO', () => {
    given([opened(1, { overdraftLimit: 50 }), withdrawn(2, 20)])
      .when(close(3))
      .then('BALANCE_NOT_ZERO');
  });

  it('rejects an account never opened with ACCOUNT_NOT_FOUND', () => {
    given([]).when(close(1)).then('ACCOUNT_NOT_FOUND');
  });

  it('rejects an account already closed with ACCOUNT_CLOSED', () => {
    given([opened(1), closed(2)])
      .when(close(3))
      .then('ACCOUNT_CLOSED');
  });

  it('checks expectedVersion', () => {
    given([opened(1)])
      .when(close(2, { expectedVersion: 1 }))
      .then([closed(2)]);
    const rejection = given([opened(1), deposited(2, 5), withdrawn(3, 5)])
      .when(close(4, { expectedVersion: 2 }))
      .then('VERSION_CONFLICT');
    expect(rejection.details).toEqual({ accountId: 'acc-1', expectedVersion: 2, actualVersion: 3 });
  });
});

describe('CloseAccount with holds and transfers', () => {
  it('refuses while a hold is live with LIVE_HOLDS, even at balance 0', () => {
    const live = given([opened(1, { overdraftLimit: 5 }), holdPlaced(2, 5)])
      .when(close(3))
      .then('LIVE_HOLDS');
    expect(live.details).toEqual({ accountId: 'acc-1', holds: 1, held: 5 });
  });

  it('closes once the hold ended', () => {
    given([opened(1, { overdraftLimit: 5 }), holdPlaced(2, 5), holdReleased(3, 5)])
      .when(close(4))
      .then([closed(4)]);
  });

  it('refuses while a transfer is unsettled with UNSETTLED_TRANSFERS, then closes', () => {
    const history = [opened(1), deposited(2, 300), debited(3, 300)];
    const rejection = given(history).when(close(4)).then('UNSETTLED_TRANSFERS');
    expect(rejection.details).toEqual({ accountId: 'acc-1', transfers: 1, unsettled: 300 });
    given([...history, completed(4, 300)])
      .when(close(5))
      .then([closed(5)]);
  });
});
