import type { CaptureHold, ExpireHold, PlaceHold, ReleaseHold } from './commands.js';
import { debitTransfer } from './decide-transfers.js';
import { accepted, rejected, type Decision, type Rejected } from './decision.js';
import { describeValue, detailValue } from './describe-value.js';
import {
  checkFunds,
  checkNewTransfer,
  checkSameCurrency,
  isRejected,
  requireLiveHold,
  requireOpenAccount,
} from './guards.js';
import { envelopeFor } from './metadata.js';
import type { AccountState, LiveHold, OpenAccountState } from './state.js';
import {
  checkAmount,
  checkCounterparty,
  checkCurrency,
  checkExpiresAt,
  checkId,
  firstRejection,
} from './validation.js';

/**
 * Holds (ADR 0007), TigerBeetle's pending transfers on one account: PlaceHold reserves, and
 * exactly one of CaptureHold, ReleaseHold or ExpireHold ends the hold. Time is the command's
 * `metadata.occurredAt`, never a clock.
 */

export function placeHold(state: AccountState, command: PlaceHold): Decision {
  const invalid = firstRejection(
    checkId(command.holdId, 'holdId'),
    checkAmount(command.amount),
    checkCurrency(command.currency),
    checkExpiresAt(command.expiresAt, command.metadata.occurredAt),
  );
  if (invalid) return invalid;
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return account;
  const refused =
    checkSameCurrency(account, command.currency) ??
    checkNewHold(account, command.holdId) ??
    checkFunds(account, command.amount, 'holding');
  if (refused) return refused;
  return accepted([
    {
      ...envelopeFor(command, account.version),
      type: 'HoldPlaced',
      holdId: command.holdId,
      amount: command.amount,
      currency: command.currency,
      expiresAt: command.expiresAt,
    },
  ]);
}

/**
 * Takes `amount` of the hold and releases the rest: HoldCaptured, then the movement as a second
 * event of the same decision, MoneyWithdrawn, or TransferDebited with the credit as follow-up.
 * No funds check: the hold reserved the money.
 */
export function captureHold(state: AccountState, command: CaptureHold): Decision {
  const invalid = firstRejection(
    checkAmount(command.amount),
    checkCurrency(command.currency),
    checkCaptureDestination(command),
  );
  if (invalid) return invalid;
  const found = liveHoldOf(state, command);
  if (isRejected(found)) return found;
  const { account, hold } = found;
  const refused =
    checkSameCurrency(account, command.currency) ??
    checkNotExpired(account, hold, command.metadata.occurredAt) ??
    checkWithinHold(account, hold, command.amount) ??
    (command.transferId === undefined ? undefined : checkNewTransfer(account, command.transferId));
  if (refused) return refused;

  const captured = {
    ...envelopeFor(command, account.version, 0),
    type: 'HoldCaptured' as const,
    holdId: hold.holdId,
    amount: command.amount,
    releasedAmount: hold.amount - command.amount,
    currency: account.currency,
  };
  if (command.toAccountId === undefined || command.transferId === undefined) {
    return accepted([
      captured,
      {
        ...envelopeFor(command, account.version, 1),
        type: 'MoneyWithdrawn',
        amount: command.amount,
        currency: account.currency,
      },
    ]);
  }
  const { event, followUp } = debitTransfer(account, command, 1, {
    transferId: command.transferId,
    toAccountId: command.toAccountId,
    amount: command.amount,
  });
  return accepted([captured, event], [followUp]);
}

export function releaseHold(state: AccountState, command: ReleaseHold): Decision {
  const found = liveHoldOf(state, command);
  if (isRejected(found)) return found;
  const { account, hold } = found;
  return accepted([
    {
      ...envelopeFor(command, account.version),
      type: 'HoldReleased',
      holdId: hold.holdId,
      amount: hold.amount,
      currency: account.currency,
    },
  ]);
}

/** Issued by the partition owner; refused before the deadline, whoever issues it. */
export function expireHold(state: AccountState, command: ExpireHold): Decision {
  const found = liveHoldOf(state, command);
  if (isRejected(found)) return found;
  const { account, hold } = found;
  const now = command.metadata.occurredAt;
  if (now < hold.expiresAt) {
    return rejected(
      'HOLD_NOT_EXPIRED',
      `hold ${hold.holdId} of account ${account.accountId} expires at ${hold.expiresAt}, ` +
        `${hold.expiresAt - now} ms after the command's time ${now}: it cannot expire yet`,
      { accountId: account.accountId, holdId: hold.holdId, expiresAt: hold.expiresAt, now },
    );
  }
  return accepted([
    {
      ...envelopeFor(command, account.version),
      type: 'HoldExpired',
      holdId: hold.holdId,
      amount: hold.amount,
      currency: account.currency,
      expiresAt: hold.expiresAt,
    },
  ]);
}

/** The open account and the live hold a command ends, or why not. */
function liveHoldOf(
  state: AccountState,
  command: CaptureHold | ReleaseHold | ExpireHold,
): { account: OpenAccountState; hold: LiveHold } | Rejected {
  const invalid = checkId(command.holdId, 'holdId');
  if (invalid) return invalid;
  const account = requireOpenAccount(state, command);
  if (isRejected(account)) return account;
  const hold = requireLiveHold(account, command.holdId);
  if (isRejected(hold)) return hold;
  return { account, hold };
}

function checkNewHold(account: OpenAccountState, holdId: string): Rejected | undefined {
  const existing = account.holds.find((h) => h.holdId === holdId);
  if (!existing) return undefined;
  return rejected(
    'HOLD_ALREADY_EXISTS',
    `account ${account.accountId} already has live hold ${holdId} of ${existing.amount}: a hold ` +
      `id is used once`,
    { accountId: account.accountId, holdId },
  );
}

/** A capture goes to an account with a transfer id, or is a withdrawal with neither. */
function checkCaptureDestination(command: CaptureHold): Rejected | undefined {
  const { toAccountId, transferId } = command;
  if (toAccountId !== undefined) {
    return (
      checkCounterparty(toAccountId, 'toAccountId', command.accountId) ??
      checkId(transferId, 'transferId')
    );
  }
  if (transferId === undefined) return undefined;
  return rejected(
    'INVALID_COMMAND',
    `transferId ${describeValue(transferId)} is not allowed without toAccountId: a capture ` +
      `without a destination is a withdrawal`,
    { field: 'transferId', value: detailValue(transferId) },
  );
}

function checkNotExpired(
  account: OpenAccountState,
  hold: LiveHold,
  now: number,
): Rejected | undefined {
  if (now < hold.expiresAt) return undefined;
  return rejected(
    'HOLD_EXPIRED',
    `hold ${hold.holdId} of account ${account.accountId} expired at ${hold.expiresAt}, at or ` +
      `before the command's time ${now}: an expired hold cannot be captured`,
    { accountId: account.accountId, holdId: hold.holdId, expiresAt: hold.expiresAt, now },
  );
}

function checkWithinHold(
  account: OpenAccountState,
  hold: LiveHold,
  amount: number,
): Rejected | undefined {
  if (amount <= hold.amount) return undefined;
  return rejected(
    'CAPTURE_EXCEEDS_HOLD',
    `capturing ${amount} of hold ${hold.holdId} of account ${account.accountId} is more than ` +
      `the ${hold.amount} it holds: a capture takes at most the held amount`,
    { accountId: account.accountId, holdId: hold.holdId, amount, held: hold.amount },
  );
}
