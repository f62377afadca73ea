import type { RejectionCode } from '@tally/ledger';
import { HttpProblem } from '@tally/service';
import type { Reply } from './state/ledger-state.js';
import type { TransferView } from './state/process-state.js';

/**
 * HTTP status of each ledger rejection. Stable: clients branch on it. The compiler flags a new
 * code without a status.
 */
export const REJECTION_STATUS: Record<RejectionCode, number> = {
  INVALID_COMMAND: 422,
  INVALID_AMOUNT: 422,
  INVALID_CURRENCY: 422,
  CURRENCY_MISMATCH: 422,
  ACCOUNT_NOT_FOUND: 404,
  ACCOUNT_ALREADY_EXISTS: 409,
  ACCOUNT_CLOSED: 409,
  INSUFFICIENT_FUNDS: 409,
  BALANCE_LIMIT_EXCEEDED: 409,
  BALANCE_NOT_ZERO: 409,
  // The client's If-Match no longer holds (RFC 9110 §13.1.1).
  VERSION_CONFLICT: 412,
  // Transfers and holds (ADR 0007).
  LIVE_HOLDS: 409,
  UNSETTLED_TRANSFERS: 409,
  TRANSFER_ALREADY_EXISTS: 409,
  TRANSFER_NOT_FOUND: 404,
  HOLD_ALREADY_EXISTS: 409,
  HOLD_NOT_FOUND: 404,
  HOLD_EXPIRED: 409,
  HOLD_NOT_EXPIRED: 409,
  CAPTURE_EXCEEDS_HOLD: 422,
  INVALID_EXPIRY: 422,
};

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'code']);

/**
 * Refusals whose message and details speak of the command alone. Every other refusal speaks of
 * the account's state (its balance, available amount, version, holds, transfers, currency,
 * status), which only callers that may read the account are shown (SECURITY.md, Disclosure).
 */
const ABOUT_THE_COMMAND: ReadonlySet<RejectionCode> = new Set([
  'INVALID_COMMAND',
  'INVALID_AMOUNT',
  'INVALID_CURRENCY',
  'INVALID_EXPIRY',
]);

/** The rejection as this caller may see it: the code always, the facts behind it if it may read. */
export function disclosedRejection(outcome: Reply, disclose: boolean): Reply['rejection'] {
  const { rejection } = outcome;
  if (rejection === null || disclose || ABOUT_THE_COMMAND.has(rejection.code)) return rejection;
  return {
    code: rejection.code,
    message:
      `${outcome.commandType} on account ${outcome.accountId} was refused (${rejection.code}); ` +
      'the account state behind the refusal is shown to tokens with ledger:read on the account',
    details: {},
  };
}

/** The problem a rejected outcome is answered with, the same on every retry by the same caller. */
export function rejectionProblem(outcome: Reply, disclose: boolean): HttpProblem {
  const rejection = disclosedRejection(outcome, disclose);
  if (rejection === null) throw new Error(`outcome ${outcome.commandId} is not a rejection`);
  const details = Object.fromEntries(
    Object.entries(rejection.details).filter(([name]) => !RESERVED.has(name)),
  );
  return new HttpProblem(
    REJECTION_STATUS[rejection.code],
    rejection.code,
    rejection.code
      .toLowerCase()
      .replaceAll('_', ' ')
      .replace(/^./, (c) => c.toUpperCase()),
    rejection.message,
    {
      ...details,
      commandId: outcome.commandId,
      accountId: outcome.accountId,
      ...(disclose ? { version: outcome.version } : {}),
    },
  );
}

export interface FieldError {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
}

export function validationProblem(errors: readonly FieldError[]): HttpProblem {
  return new HttpProblem(
    422,
    'VALIDATION_ERROR',
    'Validation error',
    errors
      .map((e) => `${e.field} ${JSON.stringify(e.value) ?? 'undefined'}: ${e.allowed}`)
      .join('; '),
    { errors },
  );
}

export function headerProblem(header: string, value: unknown, allowed: string): HttpProblem {
  const code = `INVALID_${header.toUpperCase().replaceAll('-', '_')}`;
  return new HttpProblem(
    400,
    code,
    `Invalid ${header} header`,
    `${header} ${JSON.stringify(value) ?? 'missing'}: ${allowed}`,
    {
      errors: [{ field: header, value: value ?? null, allowed }],
    },
  );
}

export function idempotencyKeyReused(commandId: string): HttpProblem {
  return new HttpProblem(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    'Idempotency-Key reused',
    'this Idempotency-Key was already used for a different request on this account; use a new key',
    { commandId },
  );
}

/** A transfer the destination refused: the debit was reversed, no money moved (ADR 0007). */
export function transferReversed(view: TransferView): HttpProblem {
  return new HttpProblem(
    409,
    'TRANSFER_REVERSED',
    'Transfer reversed',
    `the destination account ${view.to} refused the credit (${view.reason ?? 'unknown'}); the ` +
      `debit of ${view.from} was reversed`,
    {
      transferId: view.transferId,
      from: view.from,
      to: view.to,
      amount: view.amount,
      currency: view.currency,
      reason: view.reason,
    },
  );
}
