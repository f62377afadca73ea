import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_ID,
  closed,
  deposited,
  opened,
  T0,
  unsafe,
  uuid,
  withdrawn,
} from '../test/fixtures.js';
import { CorruptEventStreamError, LedgerError, type CorruptEventStreamReason } from './errors.js';
import type { AccountEvent } from './events.js';
import { evolve, foldEvents } from './evolve.js';
import { initialState } from './state.js';

describe('evolve', () => {
  it('starts from a not-opened state at version 0', () => {
    expect(initialState).toEqual({ status: 'not-opened', version: 0 });
    expect(foldEvents([])).toBe(initialState);
  });

  it('opens the account with a zero balance', () => {
    expect(evolve(initialState, opened(1, { overdraftLimit: 500 }))).toEqual({
      status: 'open',
      accountId: ACCOUNT_ID,
      owner: 'Ada Lovelace',
      currency: 'EUR',
      balance: 0,
      overdraftLimit: 500,
      held: 0,
      holds: [],
      unsettled: 0,
      unsettledTransfers: [],
      version: 1,
      openedAt: T0 + 1_000,
      updatedAt: T0 + 1_000,
    });
  });

  it('adds deposits and subtracts withdrawals, below zero within the overdraft', () => {
    const state = foldEvents([
      opened(1, { overdraftLimit: 1_000 }),
      deposited(2, 700),
      withdrawn(3, 1_500),
      deposited(4, 50),
    ]);
    expect(state).toMatchObject({ status: 'open', balance: -750, version: 4 });
    expect(state).toMatchObject({ openedAt: T0 + 1_000, updatedAt: T0 + 4_000 });
  });

  it('closes the account, keeping its last balance and times', () => {
    const state = foldEvents([opened(1), deposited(2, 100), withdrawn(3, 100), closed(4)]);
    expect(state).toEqual({
      status: 'closed',
      accountId: ACCOUNT_ID,
      owner: 'Ada Lovelace',
      currency: 'EUR',
      balance: 0,
      overdraftLimit: 0,
      held: 0,
      holds: [],
      unsettled: 0,
      unsettledTransfers: [],
      version: 4,
      openedAt: T0 + 1_000,
      updatedAt: T0 + 4_000,
      closedAt: T0 + 4_000,
    });
  });

  it('does not change the state it is given', () => {
    const before = foldEvents([opened(1)]);
    const copy = structuredClone(before);
    evolve(before, deposited(2, 10));
    expect(before).toEqual(copy);
  });

  it('replays history in a currency that has since left ISO 4217', () => {
    const state = foldEvents([
      opened(1, { currency: 'HRK' }),
      deposited(2, 5, { currency: 'HRK' }),
    ]);
    expect(state).toMatchObject({ currency: 'HRK', balance: 5 });
  });

  it('folds from a given state, for snapshots', () => {
    const snapshot = foldEvents([opened(1), deposited(2, 10)]);
    expect(foldEvents([deposited(3, 5)], snapshot)).toMatchObject({ balance: 15, version: 3 });
  });
});

describe('evolve on a corrupt stream', () => {
  const cases: [string, AccountEvent[], CorruptEventStreamReason][] = [
    ['a first event with version 2', [opened(2)], 'VERSION_OUT_OF_SEQUENCE'],
    ['a gap in versions', [opened(1), deposited(3, 10)], 'VERSION_OUT_OF_SEQUENCE'],
    [
      'a duplicate version',
      [opened(1), deposited(2, 10), deposited(2, 10)],
      'VERSION_OUT_OF_SEQUENCE',
    ],
    ['a deposit before opening', [deposited(1, 10)], 'ACCOUNT_NOT_OPENED'],
    ['a withdrawal before opening', [withdrawn(1, 10)], 'ACCOUNT_NOT_OPENED'],
    ['a closure before opening', [closed(1)], 'ACCOUNT_NOT_OPENED'],
    ['a second opening', [opened(1), opened(2)], 'ACCOUNT_ALREADY_OPENED'],
    ['a deposit after closing', [opened(1), closed(2), deposited(3, 1)], 'ACCOUNT_CLOSED'],
    ['a second closing', [opened(1), closed(2), closed(3)], 'ACCOUNT_CLOSED'],
    ['an opening after closing', [opened(1), closed(2), opened(3)], 'ACCOUNT_ALREADY_OPENED'],
    [
      'an event of another account',
      [opened(1), deposited(2, 10, { accountId: 'acc-2' })],
      'ACCOUNT_MISMATCH',
    ],
    [
      'a deposit in another currency',
      [opened(1), deposited(2, 10, { currency: 'USD' })],
      'CURRENCY_MISMATCH',
    ],
    [
      'a withdrawal in another currency',
      [opened(1), withdrawn(2, 10, { currency: 'USD' })],
      'CURRENCY_MISMATCH',
    ],
    ['a zero deposit', [opened(1), deposited(2, 0)], 'INVALID_AMOUNT'],
    ['a negative withdrawal', [opened(1), withdrawn(2, -5)], 'INVALID_AMOUNT'],
    ['a fractional deposit', [opened(1), deposited(2, 1.5)], 'INVALID_AMOUNT'],
    ['a negative overdraft limit', [opened(1, { overdraftLimit: -1 })], 'INVALID_AMOUNT'],
    [
      'an unknown event type',
      [opened(1), unsafe<AccountEvent>({ ...deposited(2, 1), type: 'InterestPaid' })],
      'UNKNOWN_EVENT_TYPE',
    ],
  ];

  it.each(cases)('throws CorruptEventStreamError on %s', (_name, events, reason) => {
    let caught: unknown;
    try {
      foldEvents(events);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CorruptEventStreamError);
    expect(caught).toBeInstanceOf(LedgerError);
    expect(caught).toMatchObject({ code: 'CORRUPT_EVENT_STREAM', reason });
  });

  it('throws when the balance would leave the exact integer range', () => {
    const state = { ...foldEvents([opened(1)]), balance: Number.MAX_SAFE_INTEGER - 10 };
    expect(() => evolve(state, deposited(2, 100))).toThrow(
      expect.objectContaining({ reason: 'BALANCE_OUT_OF_RANGE' }),
    );
  });

  it('names the event, the versions and the account in the error', () => {
    const state = foldEvents([opened(1), deposited(2, 10)]);
    let caught: unknown;
    try {
      evolve(state, withdrawn(4, 5));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      name: 'CorruptEventStreamError',
      stateVersion: 2,
      event: { eventId: uuid(4), accountId: ACCOUNT_ID, version: 4, type: 'MoneyWithdrawn' },
    });
    expect((caught as Error).message).toBe(
      `corrupt event stream: event ${uuid(4)} (MoneyWithdrawn, version 4) of account acc-1: ` +
        'event version 4 cannot follow version 2: expected 3',
    );
  });
});
