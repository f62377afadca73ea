import type { HoldCaptured, HoldExpired, HoldPlaced, HoldReleased } from './events.js';
import { fail, requireMovement } from './evolve-checks.js';
import type { AccountState, LiveHold, OpenAccountState } from './state.js';

/** evolve for the hold events (ADR 0007): a hold is live from HoldPlaced to its one end. */

export function holdPlaced(state: AccountState, event: HoldPlaced): OpenAccountState {
  const account = requireMovement(state, event);
  if (account.holds.some((h) => h.holdId === event.holdId)) {
    return fail('DUPLICATE_HOLD', `hold ${event.holdId} placed while live`, state, event);
  }
  if (!Number.isSafeInteger(event.expiresAt)) {
    return fail(
      'INVALID_AMOUNT',
      `expiresAt ${String(event.expiresAt)} is not exact`,
      state,
      event,
    );
  }
  const hold: LiveHold = {
    holdId: event.holdId,
    amount: event.amount,
    expiresAt: event.expiresAt,
    placedAt: event.occurredAt,
  };
  return {
    ...account,
    held: account.held + event.amount,
    holds: [...account.holds, hold],
    version: event.version,
    updatedAt: event.occurredAt,
  };
}

/** Ends the hold; the money moves in the event that follows (MoneyWithdrawn, TransferDebited). */
export function captured(state: AccountState, event: HoldCaptured): OpenAccountState {
  const { account, hold } = ending(state, event);
  if (
    !Number.isSafeInteger(event.releasedAmount) ||
    event.releasedAmount < 0 ||
    event.amount + event.releasedAmount !== hold.amount
  ) {
    return fail(
      'MISMATCH',
      `capture of ${event.amount} releasing ${String(event.releasedAmount)} does not add up to ` +
        `the ${hold.amount} of hold ${hold.holdId}`,
      state,
      event,
    );
  }
  return { ...withoutHold(account, hold), version: event.version, updatedAt: event.occurredAt };
}

export function holdEnded(
  state: AccountState,
  event: HoldReleased | HoldExpired,
): OpenAccountState {
  const { account, hold } = ending(state, event);
  if (event.amount !== hold.amount) {
    return fail(
      'MISMATCH',
      `${event.type} of ${event.amount} ends hold ${hold.holdId} of ${hold.amount}`,
      state,
      event,
    );
  }
  return { ...withoutHold(account, hold), version: event.version, updatedAt: event.occurredAt };
}

function ending(
  state: AccountState,
  event: HoldCaptured | HoldReleased | HoldExpired,
): { account: OpenAccountState; hold: LiveHold } {
  const account = requireMovement(state, event);
  const hold = account.holds.find((h) => h.holdId === event.holdId);
  if (hold === undefined) {
    return fail(
      'UNKNOWN_HOLD',
      `${event.type} of hold ${event.holdId}, which is not live`,
      state,
      event,
    );
  }
  return { account, hold };
}

function withoutHold(account: OpenAccountState, hold: LiveHold): OpenAccountState {
  return {
    ...account,
    held: account.held - hold.amount,
    holds: account.holds.filter((h) => h !== hold),
  };
}
