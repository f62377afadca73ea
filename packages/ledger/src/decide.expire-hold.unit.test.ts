import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  HOLD_DURATION,
  at,
  deposited,
  expire,
  holdExpired,
  holdPlaced,
  holdReleased,
  opened,
} from '../test/fixtures.js';
import { foldEvents } from './evolve.js';

describe('ExpireHold', () => {
  const held = [opened(1), deposited(2, 1_000), holdPlaced(3, 600)];
  const deadline = at(3) + HOLD_DURATION;

  it('ends the hold at its deadline and frees its amount', () => {
    const events = given(held)
      .when(expire(4, deadline))
      .then([holdExpired(4, 600, deadline, { occurredAt: deadline })]);
    expect(foldEvents([...held, ...events])).toMatchObject({ balance: 1_000, held: 0, holds: [] });
  });

  it('ends it later too (an owner failover delays the expiry)', () => {
    given(held)
      .when(expire(4, deadline + 60_000))
      .then([holdExpired(4, 600, deadline, { occurredAt: deadline + 60_000 })]);
  });

  it('refuses an expiry before the deadline with HOLD_NOT_EXPIRED', () => {
    const rejection = given(held)
      .when(expire(4, deadline - 1))
      .then('HOLD_NOT_EXPIRED');
    expect(rejection.details).toMatchObject({ expiresAt: deadline, now: deadline - 1 });
  });

  it('refuses a hold already released (a late or repeated expiry) with HOLD_NOT_FOUND', () => {
    given([...held, holdReleased(4, 600)])
      .when(expire(5, deadline))
      .then('HOLD_NOT_FOUND');
    given([...held, holdExpired(4, 600, deadline)])
      .when(expire(5, deadline))
      .then('HOLD_NOT_FOUND');
  });
});
