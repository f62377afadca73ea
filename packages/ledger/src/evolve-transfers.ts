import type {
  TransferCompleted,
  TransferCredited,
  TransferDebited,
  TransferReversed,
} from './events.js';
import { exactBalance, fail, requireMovement } from './evolve-checks.js';
import type { AccountState, OpenAccountState, UnsettledTransfer } from './state.js';

/** evolve for the transfer events (ADR 0007); the source keeps a transfer until it settles. */

export function transferDebited(state: AccountState, event: TransferDebited): OpenAccountState {
  const account = requireMovement(state, event);
  if (account.unsettledTransfers.some((t) => t.transferId === event.transferId)) {
    return fail(
      'DUPLICATE_TRANSFER',
      `transfer ${event.transferId} debited again before it settled`,
      state,
      event,
    );
  }
  const transfer: UnsettledTransfer = {
    transferId: event.transferId,
    toAccountId: event.toAccountId,
    amount: event.amount,
    debitedAt: event.occurredAt,
  };
  return {
    ...account,
    balance: exactBalance(account, -event.amount, event),
    unsettled: account.unsettled + event.amount,
    unsettledTransfers: [...account.unsettledTransfers, transfer],
    version: event.version,
    updatedAt: event.occurredAt,
  };
}

export function transferCredited(state: AccountState, event: TransferCredited): OpenAccountState {
  const account = requireMovement(state, event);
  return {
    ...account,
    balance: exactBalance(account, event.amount, event),
    version: event.version,
    updatedAt: event.occurredAt,
  };
}

export function transferCompleted(state: AccountState, event: TransferCompleted): OpenAccountState {
  const { account, transfer } = settling(state, event);
  return {
    ...withoutTransfer(account, transfer),
    version: event.version,
    updatedAt: event.occurredAt,
  };
}

export function transferReversed(state: AccountState, event: TransferReversed): OpenAccountState {
  const { account, transfer } = settling(state, event);
  return {
    ...withoutTransfer(account, transfer),
    balance: exactBalance(account, transfer.amount, event),
    version: event.version,
    updatedAt: event.occurredAt,
  };
}

/** The unsettled transfer an event settles, which must agree with it. */
function settling(
  state: AccountState,
  event: TransferCompleted | TransferReversed,
): { account: OpenAccountState; transfer: UnsettledTransfer } {
  const account = requireMovement(state, event);
  const transfer = account.unsettledTransfers.find((t) => t.transferId === event.transferId);
  if (transfer === undefined) {
    return fail(
      'UNKNOWN_TRANSFER',
      `${event.type} of transfer ${event.transferId}, which the account has no unsettled debit of`,
      state,
      event,
    );
  }
  if (transfer.amount !== event.amount || transfer.toAccountId !== event.toAccountId) {
    return fail(
      'MISMATCH',
      `${event.type} of ${event.amount} to ${event.toAccountId} settles transfer ` +
        `${event.transferId} of ${transfer.amount} to ${transfer.toAccountId}`,
      state,
      event,
    );
  }
  return { account, transfer };
}

function withoutTransfer(account: OpenAccountState, transfer: UnsettledTransfer): OpenAccountState {
  return {
    ...account,
    unsettled: account.unsettled - transfer.amount,
    unsettledTransfers: account.unsettledTransfers.filter((t) => t !== transfer),
  };
}
