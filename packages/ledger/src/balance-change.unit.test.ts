import { describe, expect, it } from 'vitest';
import {
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
  unsafe,
  withdrawn,
} from '../test/fixtures.js';
import { balanceChange, heldChange, inFlightChange } from './balance-change.js';
import type { AccountEvent, AccountEventType } from './events.js';
import { ACCOUNT_EVENT_TYPES } from './events.js';

// [event, balance change, held change, in-flight change], one row per event type.
const effects: Record<AccountEventType, [AccountEvent, number, number, number]> = {
  AccountOpened: [opened(1), 0, 0, 0],
  MoneyDeposited: [deposited(2, 500), 500, 0, 0],
  MoneyWithdrawn: [withdrawn(2, 300), -300, 0, 0],
  AccountClosed: [closed(2), 0, 0, 0],
  TransferDebited: [debited(2, 70), -70, 0, 70],
  TransferCredited: [credited(2, 70), 70, 0, -70],
  TransferCompleted: [completed(2, 70), 0, 0, 0],
  TransferReversed: [reversed(2, 70), 70, 0, -70],
  HoldPlaced: [holdPlaced(2, 40), 0, 40, 0],
  HoldCaptured: [holdCaptured(2, 30, 10), 0, -40, 0],
  HoldReleased: [holdReleased(2, 40), 0, -40, 0],
  HoldExpired: [holdExpired(2, 40, 0), 0, -40, 0],
};

describe('the money effect of each event', () => {
  it('covers every event type', () => {
    expect(Object.keys(effects).sort()).toEqual([...ACCOUNT_EVENT_TYPES].sort());
  });

  it.each(Object.entries(effects))('%s', (_, [event, balance, held, inFlight]) => {
    expect(balanceChange(event)).toBe(balance);
    expect(heldChange(event)).toBe(held);
    expect(inFlightChange(event)).toBe(inFlight);
  });

  it('moves money between balances and flight without creating any', () => {
    for (const [event] of Object.values(effects)) {
      const created = balanceChange(event) + inFlightChange(event);
      const external =
        event.type === 'MoneyDeposited'
          ? event.amount
          : event.type === 'MoneyWithdrawn'
            ? -event.amount
            : 0;
      expect(created).toBe(external);
    }
  });

  it('throws on an event type it does not know', () => {
    const unknown = unsafe<AccountEvent>({ ...opened(1), type: 'InterestPaid' });
    expect(() => balanceChange(unknown)).toThrow(/InterestPaid/);
    expect(() => heldChange(unknown)).toThrow(TypeError);
    expect(() => inFlightChange(unknown)).toThrow(TypeError);
  });
});
