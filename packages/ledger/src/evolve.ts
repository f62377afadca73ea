import { CorruptEventStreamError, type CorruptEventStreamReason } from './errors.js';
import type {
  AccountClosed,
  AccountEvent,
  AccountOpened,
  MoneyDeposited,
  MoneyWithdrawn,
} from './events.js';
import { isValidAmount, isValidOverdraftLimit } from './money.js';
import {
  initialState,
  type AccountState,
  type ClosedAccountState,
  type OpenAccountState,
} from './state.js';

/**
 * Applies one event to the state. Total over well-formed streams; an event that cannot follow the
 * state (wrong version, wrong account, wrong lifecycle step, wrong currency, bad amount) throws
 * CorruptEventStreamError, because it means the stream is corrupt.
 *
 * evolve records facts, so it does not re-check decision-time policy: it accepts a currency that
 * has since left ISO 4217 and does not enforce the overdraft limit or the closing balance.
 */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  assertFollows(state, event);
  switch (event.type) {
    case 'AccountOpened':
      return opened(state, event);
    case 'MoneyDeposited':
      return moved(state, event, +1);
    case 'MoneyWithdrawn':
      return moved(state, event, -1);
    case 'AccountClosed':
      return closed(state, event);
    default: {
      const unknown: never = event;
      return fail(
        'UNKNOWN_EVENT_TYPE',
        `unknown event type ${JSON.stringify((unknown as { type?: unknown }).type)}`,
        state,
        unknown,
      );
    }
  }
}

/** Folds events from `from` (the initial state by default); throws like evolve. */
export function foldEvents(
  events: Iterable<AccountEvent>,
  from: AccountState = initialState,
): AccountState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}

function assertFollows(state: AccountState, event: AccountEvent): void {
  if (event.version !== state.version + 1) {
    fail(
      'VERSION_OUT_OF_SEQUENCE',
      `event version ${String(event.version)} cannot follow version ${state.version}: ` +
        `expected ${state.version + 1}`,
      state,
      event,
    );
  }
  if (state.status !== 'not-opened' && event.accountId !== state.accountId) {
    fail(
      'ACCOUNT_MISMATCH',
      `event of account ${JSON.stringify(event.accountId)} applied to account ` +
        `${JSON.stringify(state.accountId)}`,
      state,
      event,
    );
  }
}

function opened(state: AccountState, event: AccountOpened): OpenAccountState {
  if (state.status !== 'not-opened') {
    return fail(
      'ACCOUNT_ALREADY_OPENED',
      'AccountOpened on an account opened before',
      state,
      event,
    );
  }
  if (!isValidOverdraftLimit(event.overdraftLimit)) {
    return fail(
      'INVALID_AMOUNT',
      `overdraftLimit ${String(event.overdraftLimit)} is not an integer in range`,
      state,
      event,
    );
  }
  return {
    status: 'open',
    accountId: event.accountId,
    owner: event.owner,
    currency: event.currency,
    balance: 0,
    overdraftLimit: event.overdraftLimit,
    version: event.version,
    openedAt: event.occurredAt,
    updatedAt: event.occurredAt,
  };
}

function moved(
  state: AccountState,
  event: MoneyDeposited | MoneyWithdrawn,
  sign: 1 | -1,
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
  const balance = account.balance + sign * event.amount;
  if (!Number.isSafeInteger(balance)) {
    return fail('BALANCE_OUT_OF_RANGE', `balance ${balance} is not exact`, state, event);
  }
  return { ...account, balance, version: event.version, updatedAt: event.occurredAt };
}

function closed(state: AccountState, event: AccountClosed): ClosedAccountState {
  const account = requireOpen(state, event);
  return {
    ...account,
    status: 'closed',
    version: event.version,
    updatedAt: event.occurredAt,
    closedAt: event.occurredAt,
  };
}

function requireOpen(state: AccountState, event: AccountEvent): OpenAccountState {
  switch (state.status) {
    case 'open':
      return state;
    case 'not-opened':
      return fail('ACCOUNT_NOT_OPENED', `${event.type} before AccountOpened`, state, event);
    case 'closed':
      return fail('ACCOUNT_CLOSED', `${event.type} after AccountClosed`, state, event);
  }
}

function fail(
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
