import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  ACCOUNT_ID,
  HOLD_DURATION,
  HOLD_ID,
  at,
  closed,
  deposited,
  holdPlaced,
  holdReleased,
  opened,
  placeHold,
  unsafe,
  withdraw,
} from '../test/fixtures.js';
import { foldEvents } from './evolve.js';
import { availableBalance } from './holds.js';
import { MAX_HOLD_DURATION_MS } from './validation.js';

describe('PlaceHold', () => {
  it('reserves the amount: the available balance falls, the balance does not', () => {
    const history = [opened(1), deposited(2, 1_000)];
    const events = given(history)
      .when(placeHold(3, { amount: 600 }))
      .then([holdPlaced(3, 600)]);
    const state = foldEvents([...history, ...events]);
    expect(state).toMatchObject({ balance: 1_000, held: 600 });
    expect(availableBalance(state)).toBe(400);
  });

  it('uses the available balance and the overdraft, like a withdrawal', () => {
    const history = [opened(1, { overdraftLimit: 100 }), deposited(2, 500), holdPlaced(3, 300)];
    given(history)
      .when(placeHold(4, { amount: 300, holdId: '40000000-0000-4000-8000-000000000002' }))
      .then([holdPlaced(4, 300, { holdId: '40000000-0000-4000-8000-000000000002' })]);
    const rejection = given(history)
      .when(placeHold(4, { amount: 301, holdId: '40000000-0000-4000-8000-000000000002' }))
      .then('INSUFFICIENT_FUNDS');
    expect(rejection.details).toMatchObject({ held: 300, available: 300 });
  });

  it('makes a withdrawal of the reserved money fail', () => {
    given([opened(1), deposited(2, 1_000), holdPlaced(3, 600)])
      .when(withdraw(4, { amount: 401 }))
      .then('INSUFFICIENT_FUNDS');
  });

  it('accepts an expiry just after the command and exactly 30 days after it', () => {
    given([opened(1), deposited(2, 1_000)])
      .when(placeHold(3, { expiresAt: at(3) + 1 }))
      .then([holdPlaced(3, 100, { expiresAt: at(3) + 1 })]);
    given([opened(1), deposited(2, 1_000)])
      .when(placeHold(3, { expiresAt: at(3) + MAX_HOLD_DURATION_MS }))
      .then([holdPlaced(3, 100, { expiresAt: at(3) + MAX_HOLD_DURATION_MS })]);
  });

  it.each([
    ['at the command’s time', 0],
    ['in the past', -HOLD_DURATION],
    ['more than 30 days ahead', MAX_HOLD_DURATION_MS + 1],
  ])('refuses an expiry %s with INVALID_EXPIRY', (_, offset) => {
    const rejection = given([opened(1), deposited(2, 1_000)])
      .when(placeHold(3, { expiresAt: at(3) + offset }))
      .then('INVALID_EXPIRY');
    expect(rejection.details).toEqual({
      field: 'expiresAt',
      value: at(3) + offset,
      min: at(3) + 1,
      max: at(3) + MAX_HOLD_DURATION_MS,
    });
  });

  it.each([1.5, '2025-01-01', null])('refuses expiresAt %j with INVALID_EXPIRY', (expiresAt) => {
    given([opened(1), deposited(2, 1_000)])
      .when(placeHold(3, { expiresAt: unsafe<number>(expiresAt) }))
      .then('INVALID_EXPIRY');
  });

  it('refuses the id of a live hold, and accepts it again once the hold ended', () => {
    const rejection = given([opened(1), deposited(2, 1_000), holdPlaced(3, 100)])
      .when(placeHold(4))
      .then('HOLD_ALREADY_EXISTS');
    expect(rejection.details).toEqual({ accountId: ACCOUNT_ID, holdId: HOLD_ID });
  });

  it('refuses a malformed hold id, amount or currency', () => {
    const history = [opened(1), deposited(2, 1_000)];
    given(history)
      .when(placeHold(3, { holdId: 'h-1' }))
      .then('INVALID_COMMAND');
    given(history)
      .when(placeHold(3, { amount: 0 }))
      .then('INVALID_AMOUNT');
    given(history)
      .when(placeHold(3, { currency: 'eur' }))
      .then('INVALID_CURRENCY');
    given(history)
      .when(placeHold(3, { currency: 'USD' }))
      .then('CURRENCY_MISMATCH');
  });

  it('refuses an account never opened or closed', () => {
    given([]).when(placeHold(1)).then('ACCOUNT_NOT_FOUND');
    given([opened(1), closed(2)])
      .when(placeHold(3))
      .then('ACCOUNT_CLOSED');
  });

  it('frees the reservation when the hold ends', () => {
    const state = foldEvents([
      opened(1),
      deposited(2, 1_000),
      holdPlaced(3, 600),
      holdReleased(4, 600),
    ]);
    expect(availableBalance(state)).toBe(1_000);
  });
});
