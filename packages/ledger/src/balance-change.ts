import type { AccountEvent } from './events.js';

/**
 * The signed change an event makes to its account's balance, in minor units: + for money in,
 * - for money out, 0 for an event that moves no money. Every fold that sums balances uses this.
 */
export function balanceChange(event: AccountEvent): number {
  switch (event.type) {
    case 'MoneyDeposited':
      return event.amount;
    case 'MoneyWithdrawn':
      return -event.amount;
    case 'AccountOpened':
    case 'AccountClosed':
      return 0;
  }
}
