import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  HOLD_DURATION,
  HOLD_ID,
  at,
  deposited,
  holdCaptured,
  holdPlaced,
  holdReleased,
  metadata,
  opened,
  release,
} from '../test/fixtures.js';

describe('ReleaseHold', () => {
  const held = [opened(1), deposited(2, 1_000), holdPlaced(3, 600)];

  it('ends the hold and frees its whole amount', () => {
    given(held)
      .when(release(4))
      .then([holdReleased(4, 600)]);
  });

  it('may release a hold past its deadline that has not expired yet', () => {
    const late = at(3) + HOLD_DURATION + 5_000;
    given(held)
      .when(release(4, { metadata: metadata(4, { occurredAt: late }) }))
      .then([holdReleased(4, 600, { occurredAt: late })]);
  });

  it('refuses a hold already ended with HOLD_NOT_FOUND', () => {
    const rejection = given([
      ...held,
      holdCaptured(4, 600, 0),
      holdPlaced(5, 1, { holdId: '40000000-0000-4000-8000-000000000009' }),
    ])
      .when(release(6))
      .then('HOLD_NOT_FOUND');
    expect(rejection.details).toEqual({ accountId: 'acc-1', holdId: HOLD_ID });
  });

  it('refuses a malformed hold id', () => {
    given(held)
      .when(release(4, { holdId: 'x' }))
      .then('INVALID_COMMAND');
  });
});
