import {
  ACCOUNT_COMMAND_TYPES,
  type AccountCommand,
  type CloseAccount,
  type DepositMoney,
  type OpenAccount,
  type WithdrawMoney,
} from './commands.js';
import { captureHold, expireHold, placeHold, releaseHold } from './decide-holds.js';
import {
  completeTransfer,
  creditTransfer,
  reverseTransfer,
  transferMoney,
} from './decide-transfers.js';
import { accepted, rejected, type Decision } from './decision.js';
import { describeValue, detailValue } from './describe-value.js';
import {
  assertSameAccount,
  checkCeiling,
  checkFunds,
  checkSameCurrency,
  checkVersion,
  isRejected,
  requireOpenAccount,
} from './guards.js';
import { assertValidMetadata, envelopeFor } from './metadata.js';
import type { AccountState } from './state.js';
import {
  checkAccountId,
  checkAmount,
  checkCurrency,
  checkExpectedVersion,
  checkOverdraftLimit,
  checkOwner,
  firstRejection,
} from './validation.js';

/**
 * Decides what a command does to an account: the events to append, or why not. Pure: the same
 * state and command always give the same decision, and neither is changed.
 *
 * Order of checks: metadata (throws LedgerUsageError), then the command's own fields
 * (INVALID_COMMAND, INVALID_AMOUNT, INVALID_CURRENCY, INVALID_EXPIRY), then existence
 * (ACCOUNT_NOT_FOUND, ACCOUNT_ALREADY_EXISTS), then expectedVersion (VERSION_CONFLICT), then
 * lifecycle (ACCOUNT_CLOSED), then the business rules of the command. Transfers and holds are in
 * decide-transfers.ts and decide-holds.ts (ADR 0007).
 */
export function decide(state: AccountState, command: AccountCommand): Decision {
  assertValidMetadata(command);
  const invalid = firstRejection(
    checkAccountId(command.accountId),
    checkExpectedVersion(command.expectedVersion),
  );
  if (invalid) return invalid;
  assertSameAccount(state, command);
  switch (command.type) {
    case 'OpenAccount':
      return openAccount(state, command);
    case 'DepositMoney':
      return depositMoney(state, command);
    case 'WithdrawMoney':
      return withdrawMoney(state, command);
    case 'CloseAccount':
      return closeAccount(state, command);
    case 'TransferMoney':
      return transferMoney(state, command);
    case 'CreditTransfer':
      return creditTransfer(state, command);
    case 'CompleteTransfer':
      return completeTransfer(state, command);
    case 'ReverseTransfer':
      return reverseTransfer(state, command);
    case 'PlaceHold':
      return placeHold(state, command);
    case 'CaptureHold':
      return captureHold(state, command);
    case 'ReleaseHold':
      return releaseHold(state, command);
    case 'ExpireHold':
      return expireHold(state, command);
    default: {
      const unknown: never = command;
      const type: unknown = (unknown as { type?: unknown }).type;
      return rejected(
        'INVALID_COMMAND',
        `command type ${describeValue(type)} is not allowed: one of ` +
          ACCOUNT_COMMAND_TYPES.join(', '),
        { field: 'type', value: detailValue(type) },
      );
    }
  }
}

function openAccount(state: AccountState, command: OpenAccount): Decision {
  const invalid = firstRejection(
    checkOwner(command.owner),
    checkCurrency(command.currency),
    checkOverdraftLimit(command.overdraftLimit),
  );
  if (invalid) return invalid;
  if (state.status !== 'not-opened') {
    return rejected(
      'ACCOUNT_ALREADY_EXISTS',
      `account ${command.accountId} already exists (${state.status}, version ${state.version}): ` +
        `account ids are never reused`,
      { accountId: command.accountId, status: state.status, version: state.version },
    );
  }
  const conflict = checkVersion(state, command);
  if (conflict) return conflict;
  return accepted([
    {
      ...envelopeFor(command, state.version),
      type: 'AccountOpened',
      owner: command.owner,
      currency: command.currency,
      overdraftLimit: command.overdraftLimit ?? 0,
    },
  ]);
}

function depositMoney(state: AccountState, command: DepositMoney): Decision {
  const invalid = firstRejection(checkAmount(command.amount), checkCurrency(command.currency));
  if (invalid) return invalid;
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return account;
  const refused =
    checkSameCurrency(account, command.currency) ??
    checkCeiling(account, command.amount, 'depositing');
  if (refused) return refused;
  return accepted([
    {
      ...envelopeFor(command, account.version),
      type: 'MoneyDeposited',
      amount: command.amount,
      currency: command.currency,
    },
  ]);
}

function withdrawMoney(state: AccountState, command: WithdrawMoney): Decision {
  const invalid = firstRejection(checkAmount(command.amount), checkCurrency(command.currency));
  if (invalid) return invalid;
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return account;
  const refused =
    checkSameCurrency(account, command.currency) ??
    checkFunds(account, command.amount, 'withdrawing');
  if (refused) return refused;
  return accepted([
    {
      ...envelopeFor(command, account.version),
      type: 'MoneyWithdrawn',
      amount: command.amount,
      currency: command.currency,
    },
  ]);
}

function closeAccount(state: AccountState, command: CloseAccount): Decision {
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return account;
  if (account.balance !== 0) {
    return rejected(
      'BALANCE_NOT_ZERO',
      `account ${account.accountId} has a balance of ${account.balance} ` +
        `(${account.currency} minor units): an account can be closed only at a balance of 0`,
      { accountId: account.accountId, balance: account.balance, currency: account.currency },
    );
  }
  if (account.holds.length > 0) {
    return rejected(
      'LIVE_HOLDS',
      `account ${account.accountId} has ${account.holds.length} live hold(s) of ${account.held} ` +
        `in total: capture, release or let them expire before closing the account`,
      { accountId: account.accountId, holds: account.holds.length, held: account.held },
    );
  }
  if (account.unsettledTransfers.length > 0) {
    return rejected(
      'UNSETTLED_TRANSFERS',
      `account ${account.accountId} has ${account.unsettledTransfers.length} transfer(s) of ` +
        `${account.unsettled} in total not yet completed or reversed: a reversal must find the ` +
        `account open, so it closes once they settle`,
      {
        accountId: account.accountId,
        transfers: account.unsettledTransfers.length,
        unsettled: account.unsettled,
      },
    );
  }
  return accepted([{ ...envelopeFor(command, account.version), type: 'AccountClosed' }]);
}
