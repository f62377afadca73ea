import { describe, expect, it } from 'vitest';
import { HOLD_DURATION, at, deposited, holdPlaced, opened } from '../test/fixtures.js';
import { foldEvents } from './evolve.js';
import { availableBalance, dueHolds, nextHoldExpiry } from './holds.js';
import { processCommandName } from './process.js';
import { initialState } from './state.js';

describe('holds on the state', () => {
  const second = '40000000-0000-4000-8000-000000000002';
  const state = foldEvents([
    opened(1),
    deposited(2, 1_000),
    holdPlaced(3, 300),
    holdPlaced(4, 200, { holdId: second, expiresAt: at(4) + 10 }),
  ]);

  it('gives the available balance: balance minus live holds', () => {
    expect(availableBalance(state)).toBe(500);
    expect(availableBalance(initialState)).toBeUndefined();
  });

  it('lists the holds due at a time, for the owner to expire', () => {
    expect(dueHolds(state, at(4) + 9)).toEqual([]);
    expect(dueHolds(state, at(4) + 10).map((h) => h.holdId)).toEqual([second]);
    expect(dueHolds(state, at(3) + HOLD_DURATION)).toHaveLength(2);
    expect(dueHolds(initialState, at(9))).toEqual([]);
  });

  it('gives the next deadline for the expiry timer', () => {
    expect(nextHoldExpiry(state)).toBe(at(4) + 10);
    expect(nextHoldExpiry(foldEvents([opened(1)]))).toBeUndefined();
  });
});

describe('processCommandName', () => {
  it('names each step of a transfer and each expiry once', () => {
    const transferId = '7a000000-0000-4000-8000-000000000001';
    expect(
      processCommandName({
        type: 'CreditTransfer',
        accountId: 'acc-2',
        transferId,
        fromAccountId: 'acc-1',
        amount: 5,
        currency: 'EUR',
      }),
    ).toBe(`transfer/${transferId}/CreditTransfer`);
    expect(processCommandName({ type: 'CompleteTransfer', accountId: 'acc-1', transferId })).toBe(
      `transfer/${transferId}/CompleteTransfer`,
    );
    expect(processCommandName({ type: 'ExpireHold', holdId: 'h' })).toBe('hold/h/ExpireHold');
  });
});
