import { CorruptEventStreamError, type CorruptEventStreamReason } from './errors.js';
import type { AccountEvent } from './events.js';
import { isValidAmount } from './money.js';
import type { AccountState, OpenAccountState } from './state.js';

/** What evolve checks of every event that needs an open account; each throws on a corrupt one. */

export function requireOpen(state: AccountState, event: AccountEvent): OpenAccountState {
  switch (state.status) {
    case 'open':
      return state;
    case 'not-opened':
      return fail('ACCOUNT_NOT_OPENED', `${event.type} before AccountOpened`, state, event);
    case 'closed':
      return fail('ACCOUNT_CLOSED', `${event.type} after AccountClosed`, state, event);
  }
}

/** An open account, and the event's amount and currency fit it. */
export function requireMovement(
  state: AccountState,
  event: Extract<AccountEvent, { amount: number; currency: string }>,
): OpenAccountState {
  const account = requireOpen(state, event);
  if (event.currency !== account.currency) {
    return fail(
      'CURRENCY_MISMATCH',
      `${event.type} in ${event.currency} on an account in ${account.currency}`,
      state,
      event,
    );
  }
  if (!isValidAmount(event.amount)) {
    return fail(
      'INVALID_AMOUNT',
      `amount ${String(event.amount)} is not a positive integer in range`,
      state,
      event,
    );
  }
  return account;
}

/** The balance after adding `delta`, if it stays exact. */
export function exactBalance(
  account: OpenAccountState,
  delta: number,
  event: AccountEvent,
): number {
  const balance = account.balance + delta;
  if (!Number.isSafeInteger(balance)) {
    return fail('BALANCE_OUT_OF_RANGE', `balance ${balance} is not exact`, account, event);
  }
  return balance;
}

export function fail(
  reason: CorruptEventStreamReason,
  detail: string,
  state: AccountState,
  event: AccountEvent,
): never {
  const where =
    `event ${String(event.eventId)} (${String(event.type)}, version ${String(event.version)}) ` +
    `of account ${String(event.accountId)}`;
  throw new CorruptEventStreamError(
    reason,
    `corrupt event stream: ${where}: ${detail}`,
    {
      eventId: event.eventId,
      accountId: event.accountId,
      version: event.version,
      type: event.type,
    },
    state.version,
  );
}
