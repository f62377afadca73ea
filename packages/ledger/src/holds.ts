import type { AccountState, LiveHold } from './state.js';

/** Reading holds off an account's state: what the owner's expiry timer and readers need. */

/** Balance minus live holds (ADR 0007); undefined before the account is opened. */
export function availableBalance(state: AccountState): number | undefined {
  return state.status === 'not-opened' ? undefined : state.balance - state.held;
}

/** The live holds whose deadline has come at `now` (epoch ms): ExpireHold may end them. */
export function dueHolds(state: AccountState, now: number): LiveHold[] {
  if (state.status === 'not-opened') return [];
  return state.holds.filter((hold) => hold.expiresAt <= now);
}

/** The earliest deadline among the live holds, for the expiry timer; undefined when none. */
export function nextHoldExpiry(state: AccountState): number | undefined {
  if (state.status === 'not-opened' || state.holds.length === 0) return undefined;
  return Math.min(...state.holds.map((hold) => hold.expiresAt));
}
