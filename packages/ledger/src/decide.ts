import type {
  AccountCommand,
  CloseAccount,
  DepositMoney,
  OpenAccount,
  WithdrawMoney,
} from './commands.js';
import { accepted, rejected, type Decision } from './decision.js';
import { describeValue, detailValue } from './describe-value.js';
import {
  assertSameAccount,
  checkSameCurrency,
  checkVersion,
  isRejected,
  requireOpenAccount,
} from './guards.js';
import { assertValidMetadata, envelopeFor } from './metadata.js';
import { MAX_BALANCE_MINOR } from './money.js';
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
 * (INVALID_COMMAND, INVALID_AMOUNT, INVALID_CURRENCY), then existence (ACCOUNT_NOT_FOUND,
 * ACCOUNT_ALREADY_EXISTS), then expectedVersion (VERSION_CONFLICT), then lifecycle
 * (ACCOUNT_CLOSED), then the business rules of the command.
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
    default: {
      const unknown: never = command;
      const type: unknown = (unknown as { type?: unknown }).type;
      return rejected(
        'INVALID_COMMAND',
        `command type ${describeValue(type)} is not allowed: one of OpenAccount, DepositMoney, ` +
          `WithdrawMoney, CloseAccount`,
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
  const mismatch = checkSameCurrency(account, command.currency);
  if (mismatch) return mismatch;
  // Subtraction keeps the comparison exact whatever the operands (see money.ts).
  if (command.amount > MAX_BALANCE_MINOR - account.balance) {
    return rejected(
      'BALANCE_LIMIT_EXCEEDED',
      `depositing ${command.amount} into account ${account.accountId} would bring its balance ` +
        `to ${account.balance + command.amount}, above the maximum balance of ${MAX_BALANCE_MINOR}`,
      {
        accountId: account.accountId,
        amount: command.amount,
        balance: account.balance,
        maxBalance: MAX_BALANCE_MINOR,
      },
    );
  }
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
  const mismatch = checkSameCurrency(account, command.currency);
  if (mismatch) return mismatch;
  // balance - amount >= -overdraftLimit, written as amount <= available.
  const available = account.balance + account.overdraftLimit;
  if (command.amount > available) {
    return rejected(
      'INSUFFICIENT_FUNDS',
      `withdrawing ${command.amount} from account ${account.accountId} would bring its balance ` +
        `to ${account.balance - command.amount}, below the overdraft limit of ` +
        `-${account.overdraftLimit}: at most ${Math.max(available, 0)} is available`,
      {
        accountId: account.accountId,
        amount: command.amount,
        balance: account.balance,
        overdraftLimit: account.overdraftLimit,
        available: Math.max(available, 0),
      },
    );
  }
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
  return accepted([{ ...envelopeFor(command, account.version), type: 'AccountClosed' }]);
}
