import type { AccountCommand } from './commands.js';
import { rejected, type Rejected } from './decision.js';
import { LedgerUsageError } from './errors.js';
import { MAX_BALANCE_MINOR } from './money.js';
import type { AccountState, LiveHold, OpenAccountState, UnsettledTransfer } from './state.js';

/**
 * Checks of a command against the current state that every command shares. Each returns the
 * rejection, or undefined (or the open account) when the command may go on.
 */

/** Throws when the shell folded another account's events into the state it passes to decide. */
export function assertSameAccount(state: AccountState, command: AccountCommand): void {
  if (state.status !== 'not-opened' && state.accountId !== command.accountId) {
    throw new LedgerUsageError(
      'STATE_ACCOUNT_MISMATCH',
      `command for account ${JSON.stringify(command.accountId)} decided on the state of account ` +
        `${JSON.stringify(state.accountId)}`,
    );
  }
}

/** VERSION_CONFLICT when the command carries an expectedVersion other than the current one. */
export function checkVersion(state: AccountState, command: AccountCommand): Rejected | undefined {
  const { expectedVersion } = command;
  if (expectedVersion === undefined || expectedVersion === state.version) return undefined;
  return rejected(
    'VERSION_CONFLICT',
    `expectedVersion ${expectedVersion} does not match version ${state.version} of account ` +
      `${command.accountId}: read the account again and retry`,
    { accountId: command.accountId, expectedVersion, actualVersion: state.version },
  );
}

/**
 * The open account a movement or closure acts on, or why there is none. Order: existence, then
 * expectedVersion, then lifecycle, so a stale client learns about the conflict before the cause.
 */
export function requireOpenAccount(
  state: AccountState,
  command: AccountCommand,
): OpenAccountState | Rejected {
  if (state.status === 'not-opened') {
    return rejected(
      'ACCOUNT_NOT_FOUND',
      `account ${command.accountId} does not exist: open it with OpenAccount first`,
      { accountId: command.accountId },
    );
  }
  const conflict = checkVersion(state, command);
  if (conflict) return conflict;
  if (state.status === 'closed') {
    return rejected(
      'ACCOUNT_CLOSED',
      `account ${command.accountId} was closed at version ${state.version}: ` +
        `${command.type} is not allowed on a closed account`,
      { accountId: command.accountId, closedAt: state.closedAt, version: state.version },
    );
  }
  return state;
}

export function isRejected(value: object): value is Rejected {
  return 'outcome' in value && value.outcome === 'rejected';
}

/** CURRENCY_MISMATCH when a movement is not in the account's currency. */
export function checkSameCurrency(
  account: OpenAccountState,
  currency: string,
): Rejected | undefined {
  if (currency === account.currency) return undefined;
  return rejected(
    'CURRENCY_MISMATCH',
    `currency ${currency} does not match currency ${account.currency} of account ` +
      `${account.accountId}: movements must be in the account's currency`,
    { accountId: account.accountId, currency, accountCurrency: account.currency },
  );
}

/**
 * INSUFFICIENT_FUNDS unless `amount` may leave the account: the available balance (balance minus
 * live holds) must stay at or above -overdraftLimit (ADR 0007).
 */
export function checkFunds(
  account: OpenAccountState,
  amount: number,
  doing: 'withdrawing' | 'transferring' | 'holding',
): Rejected | undefined {
  // balance - held - amount >= -overdraftLimit, written as amount <= spendable.
  const spendable = account.balance - account.held + account.overdraftLimit;
  if (amount <= spendable) return undefined;
  const after = account.balance - account.held - amount;
  const what =
    account.held === 0
      ? `its balance to ${after}`
      : `its available balance to ${after} (balance ${account.balance - amount} minus ` +
        `${account.held} held)`;
  return rejected(
    'INSUFFICIENT_FUNDS',
    `${doing} ${amount} from account ${account.accountId} would bring ${what}, below the ` +
      `overdraft limit of -${account.overdraftLimit}: at most ${Math.max(spendable, 0)} is available`,
    {
      accountId: account.accountId,
      amount,
      balance: account.balance,
      held: account.held,
      overdraftLimit: account.overdraftLimit,
      available: Math.max(spendable, 0),
    },
  );
}

/**
 * BALANCE_LIMIT_EXCEEDED unless `amount` may come in: the balance plus the unsettled transfers
 * (which may still be reversed) must stay at or below MAX_BALANCE_MINOR (ADR 0007).
 */
export function checkCeiling(
  account: OpenAccountState,
  amount: number,
  doing: 'depositing' | 'crediting',
): Rejected | undefined {
  // Subtraction keeps the comparison exact whatever the operands (see money.ts).
  if (amount <= MAX_BALANCE_MINOR - account.balance - account.unsettled) return undefined;
  const reserve =
    account.unsettled === 0
      ? ''
      : ` with ${account.unsettled} kept for the reversal of unsettled transfers`;
  return rejected(
    'BALANCE_LIMIT_EXCEEDED',
    `${doing} ${amount} into account ${account.accountId} would bring its balance to ` +
      `${account.balance + amount}${reserve}, above the maximum balance of ${MAX_BALANCE_MINOR}`,
    {
      accountId: account.accountId,
      amount,
      balance: account.balance,
      unsettled: account.unsettled,
      maxBalance: MAX_BALANCE_MINOR,
    },
  );
}

/** The live hold `holdId` of the account, or HOLD_NOT_FOUND. */
export function requireLiveHold(account: OpenAccountState, holdId: string): LiveHold | Rejected {
  const hold = account.holds.find((h) => h.holdId === holdId);
  if (hold) return hold;
  return rejected(
    'HOLD_NOT_FOUND',
    `account ${account.accountId} has no live hold ${holdId}: it was never placed on this ` +
      `account, or it was already captured, released or expired`,
    { accountId: account.accountId, holdId },
  );
}

/** The unsettled transfer `transferId` from the account, or TRANSFER_NOT_FOUND. */
export function requireUnsettledTransfer(
  account: OpenAccountState,
  transferId: string,
): UnsettledTransfer | Rejected {
  const transfer = account.unsettledTransfers.find((t) => t.transferId === transferId);
  if (transfer) return transfer;
  return rejected(
    'TRANSFER_NOT_FOUND',
    `account ${account.accountId} has no unsettled transfer ${transferId}: it was never debited ` +
      `from this account, or it was already completed or reversed`,
    { accountId: account.accountId, transferId },
  );
}

/** TRANSFER_ALREADY_EXISTS when the account still has an unsettled transfer with this id. */
export function checkNewTransfer(
  account: OpenAccountState,
  transferId: string,
): Rejected | undefined {
  const existing = account.unsettledTransfers.find((t) => t.transferId === transferId);
  if (!existing) return undefined;
  return rejected(
    'TRANSFER_ALREADY_EXISTS',
    `account ${account.accountId} already has transfer ${transferId} of ${existing.amount} to ` +
      `${existing.toAccountId} in progress: a transfer id is used once`,
    { accountId: account.accountId, transferId },
  );
}
