import { isCurrencyCode } from './currencies.js';
import { rejected, type Rejected } from './decision.js';
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

export function checkAccountId(value: unknown): Rejected | undefined {
  if (
    typeof value === 'string' &&
    value !== '' &&
    value.trim() === value &&
    value.length <= MAX_ACCOUNT_ID_LENGTH
  ) {
    return undefined;
  }
  return rejected(
    'INVALID_COMMAND',
    `accountId ${describeValue(value)} is not allowed: an account id is a non-empty string of at ` +
      `most ${MAX_ACCOUNT_ID_LENGTH} characters without leading or trailing whitespace`,
    { field: 'accountId', value: detailValue(value), maxLength: MAX_ACCOUNT_ID_LENGTH },
  );
}

export function checkOwner(value: unknown): Rejected | undefined {
  if (typeof value === 'string' && value.trim() !== '' && value.length <= MAX_OWNER_LENGTH) {
    return undefined;
  }
  return rejected(
    'INVALID_COMMAND',
    `owner ${describeValue(value)} is not allowed: the owner is a non-blank string of at most ` +
      `${MAX_OWNER_LENGTH} characters`,
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
