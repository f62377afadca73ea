import { isCurrencyCode } from './currencies.js';
import { REJECTION_CODES, rejected, type Rejected } from './decision.js';
import { describeValue, detailValue } from './describe-value.js';
import {
  MAX_AMOUNT_MINOR,
  MAX_OVERDRAFT_LIMIT_MINOR,
  isValidAmount,
  isValidOverdraftLimit,
} from './money.js';

/**
 * Checks of single command fields. Each returns the rejection for a bad value, or undefined.
 * The values are typed `unknown` because commands are often built from parsed JSON.
 */

export const MAX_ACCOUNT_ID_LENGTH = 128;
export const MAX_OWNER_LENGTH = 200;

/** Most a hold may last: 30 days from the command that places it. */
export const MAX_HOLD_DURATION_MS = 30 * 24 * 60 * 60 * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * Text without control characters (C0, DEL, C1) or lone surrogates: names and ids never need
 * them, and they break logs, terminals and exports. A Unicode-mode regular expression (also the
 * pattern an API schema can publish).
 */
export const PLAIN_TEXT_PATTERN = '^[^\\p{Cc}\\p{Cs}]*$';
const PLAIN_TEXT = new RegExp(PLAIN_TEXT_PATTERN, 'u');

export function isPlainText(value: string): boolean {
  return PLAIN_TEXT.test(value);
}

/** An account id in `field`: accountId, or the counterparty of a transfer. */
export function checkAccountId(value: unknown, field = 'accountId'): Rejected | undefined {
  if (
    typeof value === 'string' &&
    value !== '' &&
    value.trim() === value &&
    value.length <= MAX_ACCOUNT_ID_LENGTH &&
    isPlainText(value)
  ) {
    return undefined;
  }
  return rejected(
    'INVALID_COMMAND',
    `${field} ${describeValue(value)} is not allowed: an account id is a non-empty string of at ` +
      `most ${MAX_ACCOUNT_ID_LENGTH} characters without leading or trailing whitespace or ` +
      `control characters`,
    { field, value: detailValue(value), maxLength: MAX_ACCOUNT_ID_LENGTH },
  );
}

/** The other account of a transfer: a valid account id, and not the account itself. */
export function checkCounterparty(
  value: unknown,
  field: string,
  accountId: string,
): Rejected | undefined {
  const invalid = checkAccountId(value, field);
  if (invalid || value !== accountId) return invalid;
  return rejected(
    'INVALID_COMMAND',
    `${field} ${describeValue(value)} is not allowed: a transfer needs two different accounts, ` +
      `and ${describeValue(value)} is the account itself`,
    { field, value: detailValue(value), accountId },
  );
}

/** A transfer or hold id (ADR 0007: the id of the command that creates it). */
export function checkId(value: unknown, field: 'transferId' | 'holdId'): Rejected | undefined {
  if (isUuid(value)) return undefined;
  return rejected(
    'INVALID_COMMAND',
    `${field} ${describeValue(value)} is not allowed: a ${field} is a UUID`,
    { field, value: detailValue(value) },
  );
}

/** The reason of a reversal: the code of the destination's refusal. */
export function checkReason(value: unknown): Rejected | undefined {
  if ((REJECTION_CODES as readonly unknown[]).includes(value)) return undefined;
  return rejected(
    'INVALID_COMMAND',
    `reason ${describeValue(value)} is not allowed: the reason of a reversal is a rejection ` +
      `code, such as ACCOUNT_CLOSED`,
    { field: 'reason', value: detailValue(value) },
  );
}

/** A hold's deadline: after the command's time `now`, at most MAX_HOLD_DURATION_MS later. */
export function checkExpiresAt(value: unknown, now: number): Rejected | undefined {
  const max = now + MAX_HOLD_DURATION_MS;
  if (Number.isSafeInteger(value) && (value as number) > now && (value as number) <= max) {
    return undefined;
  }
  return rejected(
    'INVALID_EXPIRY',
    `expiresAt ${describeValue(value)} is not allowed: a hold expires at an epoch millisecond ` +
      `after the command's time ${now} and at most ${MAX_HOLD_DURATION_MS} ms (30 days) later, ` +
      `by ${max}`,
    { field: 'expiresAt', value: detailValue(value), min: now + 1, max },
  );
}

export function checkOwner(value: unknown): Rejected | undefined {
  if (
    typeof value === 'string' &&
    value.trim() !== '' &&
    value.length <= MAX_OWNER_LENGTH &&
    isPlainText(value)
  ) {
    return undefined;
  }
  return rejected(
    'INVALID_COMMAND',
    `owner ${describeValue(value)} is not allowed: the owner is a non-blank string of at most ` +
      `${MAX_OWNER_LENGTH} characters without control characters`,
    { field: 'owner', value: detailValue(value), maxLength: MAX_OWNER_LENGTH },
  );
}

export function checkCurrency(value: unknown): Rejected | undefined {
  if (isCurrencyCode(value)) return undefined;
  return rejected(
    'INVALID_CURRENCY',
    `currency ${describeValue(value)} is not allowed: a currency is an active ISO 4217 ` +
      `alphabetic code in upper case, such as EUR or USD`,
    { field: 'currency', value: detailValue(value) },
  );
}

export function checkAmount(value: unknown): Rejected | undefined {
  if (isValidAmount(value)) return undefined;
  return rejected(
    'INVALID_AMOUNT',
    `amount ${describeValue(value)} is not allowed: amounts are positive integers of minor ` +
      `units up to ${MAX_AMOUNT_MINOR}`,
    { field: 'amount', value: detailValue(value), min: 1, max: MAX_AMOUNT_MINOR },
  );
}

/** undefined is fine: the overdraft limit defaults to 0. */
export function checkOverdraftLimit(value: unknown): Rejected | undefined {
  if (value === undefined || isValidOverdraftLimit(value)) return undefined;
  return rejected(
    'INVALID_AMOUNT',
    `overdraftLimit ${describeValue(value)} is not allowed: an overdraft limit is an integer of ` +
      `minor units from 0 to ${MAX_OVERDRAFT_LIMIT_MINOR}`,
    { field: 'overdraftLimit', value: detailValue(value), min: 0, max: MAX_OVERDRAFT_LIMIT_MINOR },
  );
}

/** undefined is fine: no If-Match, act on the current version. */
export function checkExpectedVersion(value: unknown): Rejected | undefined {
  if (value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0)) {
    return undefined;
  }
  return rejected(
    'INVALID_COMMAND',
    `expectedVersion ${describeValue(value)} is not allowed: an expected version is an integer ` +
      `from 0 (the account does not exist yet) upwards`,
    { field: 'expectedVersion', value: detailValue(value), min: 0 },
  );
}

/** The first rejection among the checks, in order, or undefined when every field is fine. */
export function firstRejection(...checks: (Rejected | undefined)[]): Rejected | undefined {
  return checks.find((check) => check !== undefined);
}
