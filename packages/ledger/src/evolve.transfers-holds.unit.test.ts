import { describe, expect, it } from 'vitest';
import {
  HOLD_ID,
  T0,
  TRANSFER_ID,
  closed,
  completed,
  credited,
  debited,
  deposited,
  holdCaptured,
  holdExpired,
  holdPlaced,
  holdReleased,
  opened,
  reversed,
} from '../test/fixtures.js';
import { CorruptEventStreamError, type CorruptEventStreamReason } from './errors.js';
import type { AccountEvent } from './events.js';
import { foldEvents } from './evolve.js';

describe('evolve, transfers', () => {
  it('keeps a debited transfer unsettled until it completes', () => {
    const debitedState = foldEvents([opened(1), deposited(2, 1_000), debited(3, 400)]);
    expect(debitedState).toMatchObject({
      balance: 600,
      unsettled: 400,
      unsettledTransfers: [
        { transferId: TRANSFER_ID, toAccountId: 'acc-2', amount: 400, debitedAt: T0 + 3_000 },
      ],
    });
    expect(foldEvents([completed(4, 400)], debitedState)).toMatchObject({
      balance: 600,
      unsettled: 0,
      unsettledTransfers: [],
      version: 4,
    });
  });

  it('gives the money back on a reversal', () => {
    expect(
      foldEvents([opened(1), deposited(2, 1_000), debited(3, 400), reversed(4, 400)]),
    ).toMatchObject({ balance: 1_000, unsettled: 0, unsettledTransfers: [] });
  });

  it('adds a credit to the destination’s balance', () => {
    expect(foldEvents([opened(1), credited(2, 250)])).toMatchObject({ balance: 250, unsettled: 0 });
  });

  const corrupt: [string, AccountEvent[], CorruptEventStreamReason][] = [
    ['a completion of no transfer', [opened(1), completed(2, 1)], 'UNKNOWN_TRANSFER'],
    [
      'a second completion',
      [opened(1), deposited(2, 5), debited(3, 5), completed(4, 5), completed(5, 5)],
      'UNKNOWN_TRANSFER',
    ],
    [
      'a reversal after completion',
      [opened(1), deposited(2, 5), debited(3, 5), completed(4, 5), reversed(5, 5)],
      'UNKNOWN_TRANSFER',
    ],
    [
      'a debit of an unsettled transfer id',
      [opened(1), deposited(2, 10), debited(3, 5), debited(4, 5)],
      'DUPLICATE_TRANSFER',
    ],
    [
      'a reversal of another amount',
      [opened(1), deposited(2, 10), debited(3, 5), reversed(4, 6)],
      'MISMATCH',
    ],
    [
      'a completion naming another destination',
      [opened(1), deposited(2, 10), debited(3, 5), completed(4, 5, { toAccountId: 'acc-3' })],
      'MISMATCH',
    ],
    [
      'a credit in another currency',
      [opened(1), credited(2, 5, { currency: 'USD' })],
      'CURRENCY_MISMATCH',
    ],
    ['a zero debit', [opened(1), debited(2, 0)], 'INVALID_AMOUNT'],
    ['a credit after closing', [opened(1), closed(2), credited(3, 5)], 'ACCOUNT_CLOSED'],
    ['a debit before opening', [debited(1, 5)], 'ACCOUNT_NOT_OPENED'],
  ];

  it.each(corrupt)('throws CorruptEventStreamError on %s', (_, events, reason) => {
    expect(() => foldEvents(events)).toThrow(CorruptEventStreamError);
    try {
      foldEvents(events);
    } catch (error) {
      expect((error as CorruptEventStreamError).reason).toBe(reason);
    }
  });
});

describe('evolve, holds', () => {
  it('tracks live holds and their sum', () => {
    const other = '40000000-0000-4000-8000-000000000002';
    const state = foldEvents([
      opened(1),
      deposited(2, 1_000),
      holdPlaced(3, 300),
      holdPlaced(4, 200, { holdId: other }),
    ]);
    expect(state).toMatchObject({
      balance: 1_000,
      held: 500,
      holds: [
        { holdId: HOLD_ID, amount: 300, expiresAt: T0 + 3_000 + 3_600_000, placedAt: T0 + 3_000 },
        { holdId: other, amount: 200 },
      ],
    });
    expect(foldEvents([holdReleased(5, 300)], state)).toMatchObject({
      held: 200,
      holds: [{ holdId: other }],
    });
  });

  it('ends a hold by capture (the movement follows), release or expiry', () => {
    const held = [opened(1), deposited(2, 1_000), holdPlaced(3, 300)];
    expect(foldEvents([...held, holdCaptured(4, 100, 200)])).toMatchObject({
      balance: 1_000,
      held: 0,
      holds: [],
    });
    expect(foldEvents([...held, holdExpired(4, 300, 0)])).toMatchObject({ held: 0 });
  });

  const corrupt: [string, AccountEvent[], CorruptEventStreamReason][] = [
    ['a release of no hold', [opened(1), holdReleased(2, 5)], 'UNKNOWN_HOLD'],
    [
      'a capture after a release',
      [opened(1), deposited(2, 9), holdPlaced(3, 5), holdReleased(4, 5), holdCaptured(5, 5, 0)],
      'UNKNOWN_HOLD',
    ],
    [
      'a hold placed twice',
      [opened(1), deposited(2, 9), holdPlaced(3, 5), holdPlaced(4, 5)],
      'DUPLICATE_HOLD',
    ],
    [
      'a capture that does not add up to the hold',
      [opened(1), deposited(2, 9), holdPlaced(3, 5), holdCaptured(4, 3, 1)],
      'MISMATCH',
    ],
    [
      'a capture releasing a negative amount',
      [opened(1), deposited(2, 9), holdPlaced(3, 5), holdCaptured(4, 6, -1)],
      'MISMATCH',
    ],
    [
      'an expiry of another amount',
      [opened(1), deposited(2, 9), holdPlaced(3, 5), holdExpired(4, 4, 0)],
      'MISMATCH',
    ],
    [
      'a hold in another currency',
      [opened(1), holdPlaced(2, 5, { currency: 'GBP' })],
      'CURRENCY_MISMATCH',
    ],
  ];

  it.each(corrupt)('throws CorruptEventStreamError on %s', (_, events, reason) => {
    try {
      foldEvents(events);
      expect.unreachable('foldEvents accepted a corrupt stream');
    } catch (error) {
      expect(error).toBeInstanceOf(CorruptEventStreamError);
      expect((error as CorruptEventStreamError).reason).toBe(reason);
    }
  });
});
