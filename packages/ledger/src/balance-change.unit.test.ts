import { describe, expect, it } from 'vitest';
import { closed, deposited, opened, withdrawn } from '../test/fixtures.js';
import { balanceChange } from './balance-change.js';
import { foldEvents } from './evolve.js';

describe('balanceChange', () => {
  it('is + for a deposit, - for a withdrawal, 0 for events that move no money', () => {
    expect(balanceChange(deposited(2, 500))).toBe(500);
    expect(balanceChange(withdrawn(3, 120))).toBe(-120);
    expect(balanceChange(opened())).toBe(0);
    expect(balanceChange(closed(4))).toBe(0);
  });

  it('sums to the balance evolve folds', () => {
    const events = [opened(), deposited(2, 500), withdrawn(3, 120), deposited(4, 7)];
    const state = foldEvents(events);
    const sum = events.reduce((total, event) => total + balanceChange(event), 0);
    expect(state.status === 'open' && state.balance).toBe(sum);
  });
});
