import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  ACCOUNT_ID,
  HOLD_DURATION,
  OTHER_ID,
  TRANSFER_ID,
  at,
  capture,
  debited,
  deposited,
  holdCaptured,
  holdPlaced,
  holdReleased,
  metadata,
  opened,
  secondEvent,
  uuid,
  withdrawn,
} from '../test/fixtures.js';
import { LedgerUsageError } from './errors.js';
import { foldEvents } from './evolve.js';

describe('CaptureHold', () => {
  const held = [opened(1), deposited(2, 1_000), holdPlaced(3, 600)];

  it('captures the whole hold as a withdrawal: the hold ends and the money leaves', () => {
    const events = given(held)
      .when(capture(4, { amount: 600 }))
      .then([holdCaptured(4, 600, 0), withdrawn(5, 600, secondEvent(4))]);
    expect(foldEvents([...held, ...events])).toMatchObject({ balance: 400, held: 0, holds: [] });
  });

  it('captures part of the hold and releases the rest', () => {
    const events = given(held)
      .when(capture(4, { amount: 250 }))
      .then([holdCaptured(4, 250, 350), withdrawn(5, 250, secondEvent(4))]);
    expect(foldEvents([...held, ...events])).toMatchObject({ balance: 750, held: 0 });
  });

  it('captures as a transfer: the debit follows and the destination is asked to credit', () => {
    given(held)
      .when(capture(4, { amount: 500, toAccountId: OTHER_ID, transferId: TRANSFER_ID }))
      .then(
        [holdCaptured(4, 500, 100), debited(5, 500, secondEvent(4))],
        [
          {
            type: 'CreditTransfer',
            accountId: OTHER_ID,
            transferId: TRANSFER_ID,
            fromAccountId: ACCOUNT_ID,
            amount: 500,
            currency: 'EUR',
          },
        ],
      );
  });

  it('needs no funds beyond the hold, even when the balance fell meanwhile', () => {
    const overdrawn = [
      opened(1, { overdraftLimit: 1_000 }),
      holdPlaced(2, 1_000),
      deposited(3, 10),
    ];
    given(overdrawn)
      .when(capture(4, { amount: 1_000 }))
      .then([holdCaptured(4, 1_000, 0), withdrawn(5, 1_000, secondEvent(4))]);
  });

  it('refuses more than the hold with CAPTURE_EXCEEDS_HOLD', () => {
    const rejection = given(held)
      .when(capture(4, { amount: 601 }))
      .then('CAPTURE_EXCEEDS_HOLD');
    expect(rejection.details).toMatchObject({ amount: 601, held: 600 });
  });

  it('refuses a capture from expiresAt on with HOLD_EXPIRED, and accepts it just before', () => {
    const deadline = at(3) + HOLD_DURATION;
    given(held)
      .when(
        capture(4, {
          metadata: metadata(4, { occurredAt: deadline - 1, eventIds: [uuid(4), uuid(10_004)] }),
        }),
      )
      .then([
        holdCaptured(4, 100, 500, { occurredAt: deadline - 1 }),
        withdrawn(5, 100, { ...secondEvent(4), occurredAt: deadline - 1 }),
      ]);
    given(held)
      .when(
        capture(4, {
          metadata: metadata(4, { occurredAt: deadline, eventIds: [uuid(4), uuid(10_004)] }),
        }),
      )
      .then('HOLD_EXPIRED');
  });

  it('refuses a hold that ended or never existed with HOLD_NOT_FOUND', () => {
    given([...held, holdReleased(4, 600)])
      .when(capture(5))
      .then('HOLD_NOT_FOUND');
    given([opened(1)])
      .when(capture(2))
      .then('HOLD_NOT_FOUND');
  });

  it('refuses a transfer id without destination, a destination without id, and itself', () => {
    given(held)
      .when(capture(4, { transferId: TRANSFER_ID }))
      .then('INVALID_COMMAND');
    given(held)
      .when(capture(4, { toAccountId: OTHER_ID }))
      .then('INVALID_COMMAND');
    given(held)
      .when(capture(4, { toAccountId: ACCOUNT_ID, transferId: TRANSFER_ID }))
      .then('INVALID_COMMAND');
  });

  it('refuses the id of a transfer still unsettled', () => {
    given([...held, debited(4, 10)])
      .when(capture(5, { toAccountId: OTHER_ID, transferId: TRANSFER_ID }))
      .then('TRANSFER_ALREADY_EXISTS');
  });

  it('refuses another currency than the hold’s', () => {
    given(held)
      .when(capture(4, { currency: 'USD' }))
      .then('CURRENCY_MISMATCH');
  });

  it('needs two event ids from the shell', () => {
    given(held)
      .when(capture(4, { metadata: metadata(4) }))
      .thenThrows(LedgerUsageError, /at least 2 UUIDs/);
  });
});
