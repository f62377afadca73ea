import type { AccountCommand } from './commands.js';
import { rejected, type Rejected } from './decision.js';
import { LedgerUsageError } from './errors.js';
import type { AccountState, OpenAccountState } from './state.js';

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
