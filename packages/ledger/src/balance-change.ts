import type { AccountEvent } from './events.js';

/**
 * The one home of each event's effect on money (ADR 0007). Three quantities, each in the event's
 * currency, so that for every currency and any set of events:
 *   sum of balances + money in flight = sum of MoneyDeposited - sum of MoneyWithdrawn.
 * Holds reserve money without moving it: they change `held`, never a balance.
 */

/** Signed change of the account's balance, in minor units of the account's currency. */
export function balanceChange(event: AccountEvent): number {
  switch (event.type) {
    case 'MoneyDeposited':
    case 'TransferCredited':
    case 'TransferReversed':
      return event.amount;
    case 'MoneyWithdrawn':
    case 'TransferDebited':
      return -event.amount;
    case 'AccountOpened':
    case 'AccountClosed':
    case 'TransferCompleted':
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'HoldReleased':
    case 'HoldExpired':
      return 0;
    default:
      return unknownEvent(event);
  }
}

/** Signed change of the account's held amount (the sum of its live holds). */
export function heldChange(event: AccountEvent): number {
  switch (event.type) {
    case 'HoldPlaced':
      return event.amount;
    case 'HoldCaptured':
      return -(event.amount + event.releasedAmount);
    case 'HoldReleased':
    case 'HoldExpired':
      return -event.amount;
    case 'AccountOpened':
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'AccountClosed':
    case 'TransferDebited':
    case 'TransferCredited':
    case 'TransferCompleted':
    case 'TransferReversed':
      return 0;
    default:
      return unknownEvent(event);
  }
}

/**
 * Signed change of the money in flight between accounts: a debit sends it, a credit or a
 * reversal lands it. TransferCompleted only tells the source; the money landed with the credit.
 */
export function inFlightChange(event: AccountEvent): number {
  switch (event.type) {
    case 'TransferDebited':
      return event.amount;
    case 'TransferCredited':
    case 'TransferReversed':
      return -event.amount;
    case 'AccountOpened':
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'AccountClosed':
    case 'TransferCompleted':
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'HoldReleased':
    case 'HoldExpired':
      return 0;
    default:
      return unknownEvent(event);
  }
}

function unknownEvent(event: never): never {
  throw new TypeError(
    `no money effect is known for event type ${JSON.stringify((event as { type?: unknown }).type)}`,
  );
}
