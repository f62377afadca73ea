import type {
  AccountCommand,
  CompleteTransfer,
  CreditTransfer,
  FollowUp,
  ReverseTransfer,
  TransferMoney,
} from './commands.js';
import { accepted, type Decision, type Rejected } from './decision.js';
import type { TransferDebited } from './events.js';
import {
  checkCeiling,
  checkFunds,
  checkNewTransfer,
  checkSameCurrency,
  isRejected,
  requireOpenAccount,
  requireUnsettledTransfer,
} from './guards.js';
import { envelopeFor } from './metadata.js';
import type { AccountState, OpenAccountState, UnsettledTransfer } from './state.js';
import {
  checkAccountId,
  checkAmount,
  checkCounterparty,
  checkCurrency,
  checkId,
  checkReason,
  firstRejection,
} from './validation.js';

/**
 * The steps of a transfer (ADR 0007), each decided by the owner of the one account it changes:
 * TransferMoney on the source, CreditTransfer on the destination, then CompleteTransfer or
 * ReverseTransfer on the source. Each step returns the command of the next one as a follow-up.
 */

/** The source: debit it and ask the destination to credit. */
export function transferMoney(state: AccountState, command: TransferMoney): Decision {
  const invalid = firstRejection(
    checkId(command.transferId, 'transferId'),
    checkCounterparty(command.toAccountId, 'toAccountId', command.accountId),
    checkAmount(command.amount),
    checkCurrency(command.currency),
  );
  if (invalid) return invalid;
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return account;
  const refused =
    checkSameCurrency(account, command.currency) ??
    checkNewTransfer(account, command.transferId) ??
    checkFunds(account, command.amount, 'transferring');
  if (refused) return refused;
  const { event, followUp } = debitTransfer(account, command, 0, command);
  return accepted([event], [followUp]);
}

/**
 * The event of a transfer's debit, the `index`-th of its command, and the credit it asks for.
 * Shared by TransferMoney and by CaptureHold with a destination.
 */
export function debitTransfer(
  account: OpenAccountState,
  command: AccountCommand,
  index: number,
  transfer: { transferId: string; toAccountId: string; amount: number },
): { event: TransferDebited; followUp: FollowUp } {
  const { transferId, toAccountId, amount } = transfer;
  return {
    event: {
      ...envelopeFor(command, account.version, index),
      type: 'TransferDebited',
      transferId,
      toAccountId,
      amount,
      currency: account.currency,
    },
    followUp: {
      type: 'CreditTransfer',
      accountId: toAccountId,
      transferId,
      fromAccountId: account.accountId,
      amount,
      currency: account.currency,
    },
  };
}

/**
 * The destination: credit it and tell the source to complete, or refuse and tell the source to
 * reverse. A refusal writes no event here (a closed account accepts none).
 */
export function creditTransfer(state: AccountState, command: CreditTransfer): Decision {
  const invalid = firstRejection(
    checkId(command.transferId, 'transferId'),
    checkCounterparty(command.fromAccountId, 'fromAccountId', command.accountId),
    checkAmount(command.amount),
    checkCurrency(command.currency),
  );
  if (invalid) return withReversal(invalid, command);
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return withReversal(account, command);
  const refused =
    checkSameCurrency(account, command.currency) ??
    checkCeiling(account, command.amount, 'crediting');
  if (refused) return withReversal(refused, command);
  return accepted(
    [
      {
        ...envelopeFor(command, account.version),
        type: 'TransferCredited',
        transferId: command.transferId,
        fromAccountId: command.fromAccountId,
        amount: command.amount,
        currency: command.currency,
      },
    ],
    [
      {
        type: 'CompleteTransfer',
        accountId: command.fromAccountId,
        transferId: command.transferId,
      },
    ],
  );
}

/**
 * A refused credit still owes the source its money back: the refusal carries the reversal. Only
 * a command too malformed to address the source (never written by a correct shell) carries none.
 */
function withReversal(refusal: Rejected, command: CreditTransfer): Rejected {
  const addressable =
    checkAccountId(command.fromAccountId) === undefined &&
    checkId(command.transferId, 'transferId') === undefined;
  if (!addressable) return refusal;
  return {
    ...refusal,
    followUps: [
      {
        type: 'ReverseTransfer',
        accountId: command.fromAccountId,
        transferId: command.transferId,
        reason: refusal.rejection.code,
      },
    ],
  };
}

/** The source learns that the destination credited: the transfer is settled. */
export function completeTransfer(state: AccountState, command: CompleteTransfer): Decision {
  const found = unsettledTransferOf(state, command);
  if (isRejected(found)) return found;
  const { account, transfer } = found;
  return accepted([
    {
      ...envelopeFor(command, account.version),
      type: 'TransferCompleted',
      transferId: transfer.transferId,
      toAccountId: transfer.toAccountId,
      amount: transfer.amount,
      currency: account.currency,
    },
  ]);
}

/** The destination refused: the source gets its money back. */
export function reverseTransfer(state: AccountState, command: ReverseTransfer): Decision {
  const invalid = checkReason(command.reason);
  if (invalid) return invalid;
  const found = unsettledTransferOf(state, command);
  if (isRejected(found)) return found;
  const { account, transfer } = found;
  // No ceiling check: deposits and credits kept room for this (checkCeiling).
  return accepted([
    {
      ...envelopeFor(command, account.version),
      type: 'TransferReversed',
      transferId: transfer.transferId,
      toAccountId: transfer.toAccountId,
      amount: transfer.amount,
      currency: account.currency,
      reason: command.reason,
    },
  ]);
}

/** The open source account and the unsettled transfer a settling command names, or why not. */
function unsettledTransferOf(
  state: AccountState,
  command: CompleteTransfer | ReverseTransfer,
): { account: OpenAccountState; transfer: UnsettledTransfer } | Rejected {
  const invalid = checkId(command.transferId, 'transferId');
  if (invalid) return invalid;
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return account;
  const transfer = requireUnsettledTransfer(account, command.transferId);
  if (isRejected(transfer)) return transfer;
  return { account, transfer };
}
