import type { AccountEvent } from './events.js';

/**
 * The one home of each event's effect on money (ADR 0007). Three quantities, each in the event's
 * currency, so that for every currency and any set of events:
 *   sum of balances + money in flight = sum of MoneyDeposited - sum of MoneyWithdrawn.
 * Holds reserve money without moving it: they change `held`, never a balance.
 */
export interface MoneyEffect {
  /** Signed change of the account's balance, in minor units of the account's currency. */
  readonly balance: number;
  /** Signed change of the account's held amount (the sum of its live holds). */
  readonly held: number;
  /**
   * Signed change of the money in flight between accounts: a debit sends it, a credit or a
   * reversal lands it. TransferCompleted only tells the source; the money landed with the credit.
   */
  readonly inFlight: number;
}

const NONE: MoneyEffect = Object.freeze({ balance: 0, held: 0, inFlight: 0 });

export function moneyEffect(event: AccountEvent): MoneyEffect {
  switch (event.type) {
    case 'MoneyDeposited':
      return { ...NONE, balance: event.amount };
    case 'MoneyWithdrawn':
      return { ...NONE, balance: -event.amount };
    case 'TransferDebited':
      return { ...NONE, balance: -event.amount, inFlight: event.amount };
    case 'TransferCredited':
    case 'TransferReversed':
      return { ...NONE, balance: event.amount, inFlight: -event.amount };
    case 'HoldPlaced':
      return { ...NONE, held: event.amount };
    case 'HoldCaptured':
      return { ...NONE, held: -(event.amount + event.releasedAmount) };
    case 'HoldReleased':
    case 'HoldExpired':
      return { ...NONE, held: -event.amount };
    case 'AccountOpened':
    case 'AccountClosed':
    case 'TransferCompleted':
      return NONE;
    default: {
      const unknown: never = event;
      throw new TypeError(
        `no money effect is known for event type ` +
          JSON.stringify((unknown as { type?: unknown }).type),
      );
    }
  }
}

/** Signed change of the account's balance, in minor units of the account's currency. */
export function balanceChange(event: AccountEvent): number {
  return moneyEffect(event).balance;
}

/** Signed change of the account's held amount. */
export function heldChange(event: AccountEvent): number {
  return moneyEffect(event).held;
}

/** Signed change of the money in flight between accounts. */
export function inFlightChange(event: AccountEvent): number {
  return moneyEffect(event).inFlight;
}
