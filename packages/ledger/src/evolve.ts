import type {
  AccountClosed,
  AccountEvent,
  AccountOpened,
  MoneyDeposited,
  MoneyWithdrawn,
} from './events.js';
import { exactBalance, fail, requireMovement, requireOpen } from './evolve-checks.js';
import { captured, holdEnded, holdPlaced } from './evolve-holds.js';
import {
  transferCompleted,
  transferCredited,
  transferDebited,
  transferReversed,
} from './evolve-transfers.js';
import { isValidOverdraftLimit } from './money.js';
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
 * has since left ISO 4217 and does not enforce the overdraft limit, the balance ceiling or the
 * conditions of closing. It does check that an event ending a hold or a transfer finds it
 * (holds and transfers: evolve-holds.ts, evolve-transfers.ts).
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
    case 'TransferDebited':
      return transferDebited(state, event);
    case 'TransferCredited':
      return transferCredited(state, event);
    case 'TransferCompleted':
      return transferCompleted(state, event);
    case 'TransferReversed':
      return transferReversed(state, event);
    case 'HoldPlaced':
      return holdPlaced(state, event);
    case 'HoldCaptured':
      return captured(state, event);
    case 'HoldReleased':
    case 'HoldExpired':
      return holdEnded(state, event);
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
    held: 0,
    holds: [],
    unsettled: 0,
    unsettledTransfers: [],
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
  const account = requireMovement(state, event);
  const balance = exactBalance(account, sign * event.amount, event);
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
