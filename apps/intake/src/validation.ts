import {
  isCurrencyCode,
  isPlainText,
  MAX_ACCOUNT_ID_LENGTH,
  MAX_AMOUNT_MINOR,
  MAX_OVERDRAFT_LIMIT_MINOR,
  MAX_OWNER_LENGTH,
} from '@tally/ledger';
import { z } from 'zod';
import { headerProblem, validationProblem, type FieldError } from './problems.js';

const currency = z
  .string()
  .refine(isCurrencyCode, 'an active ISO 4217 alphabetic code in upper case, e.g. EUR');
const amount = z
  .number()
  .int('an integer number of minor units')
  .min(1, 'at least 1 minor unit')
  .max(MAX_AMOUNT_MINOR, `at most ${MAX_AMOUNT_MINOR} minor units`);
/** The pattern of account ids, also in the OpenAPI document; `.` and `..` are path segments. */
export const ACCOUNT_ID_PATTERN = '^(?!\\.{1,2}$)[A-Za-z0-9._:-]+$';
export const accountId = z
  .string()
  .min(1)
  .max(MAX_ACCOUNT_ID_LENGTH)
  .regex(new RegExp(ACCOUNT_ID_PATTERN), 'letters, digits and . _ : - only, not . or ..');

/** Free text: no control characters (U+0000-U+001F, U+007F-U+009F) and no lone surrogates. */
const text = z.string().refine(isPlainText, 'no control characters');

export const openAccountBody = z.strictObject({
  accountId: accountId.optional(),
  owner: text.trim().min(1, 'a non-blank name').max(MAX_OWNER_LENGTH),
  currency,
  overdraftLimit: z.number().int().min(0).max(MAX_OVERDRAFT_LIMIT_MINOR).optional(),
});
export const movementBody = z.strictObject({ amount, currency });
export const closeBody = z.strictObject({}).optional();

/** Transfers and holds (ADR 0007). */
export const transferRequest = z
  .strictObject({ from: accountId, to: accountId, amount, currency })
  .refine((body) => body.from !== body.to, {
    path: ['to'],
    message: 'another account than from',
  });
/** RFC 3339 with an offset, e.g. 2026-12-01T12:00:00Z; the ledger checks the range. */
export const holdRequest = z.strictObject({
  amount,
  currency,
  expiresAt: z.iso.datetime({
    offset: true,
    error: 'an RFC 3339 date-time, e.g. 2026-12-01T12:00:00Z',
  }),
});
export const captureRequest = z.strictObject({ amount, currency, to: accountId.optional() });
export const releaseRequest = z.strictObject({}).optional();

/** Transfer and hold ids are command ids: UUIDs. */
export const PROCESS_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export function parseProcessId(field: 'transferId' | 'holdId', value: string): string {
  if (new RegExp(PROCESS_ID_PATTERN).test(value)) return value;
  throw validationProblem([{ field, value: echo(value), allowed: 'a UUID in lower case' }]);
}

/** Idempotency-Key, X-Correlation-Id: 1-200 printable ASCII without spaces. */
export const HEADER_TOKEN_PATTERN = '^[\\x21-\\x7e]{1,200}$';
const headerToken = new RegExp(HEADER_TOKEN_PATTERN);
const idempotencyKey = z.string().regex(headerToken, 'printable ASCII without spaces');

/** Parses a body or throws a 422 naming each bad field, the value seen and what is allowed. */
export function parseBody<T>(schema: z.ZodType<T>, received: unknown): T {
  // No body at all reads as an empty object, so that the errors name the missing fields.
  const body = received ?? {};
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors: FieldError[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({
          field: [...issue.path, key].join('.'),
          value: valueAt(body, [...issue.path, key]),
          allowed: 'no such field; allowed are only the documented fields',
        });
      }
      continue;
    }
    errors.push({
      field: issue.path.length === 0 ? 'body' : issue.path.join('.'),
      value: valueAt(body, issue.path) ?? null,
      allowed: issue.message,
    });
  }
  throw validationProblem(errors);
}

export function parseIdempotencyKey(value: string | undefined): string {
  if (value === undefined) {
    throw headerProblem(
      'Idempotency-Key',
      undefined,
      'required on every command: a unique key per intended change, 1-200 printable ASCII characters',
    );
  }
  const result = idempotencyKey.safeParse(value);
  if (!result.success) {
    throw headerProblem(
      'Idempotency-Key',
      value,
      '1-200 printable ASCII characters without spaces',
    );
  }
  return result.data;
}

/** The If-Match the intake takes, also in the OpenAPI document: one strong entity tag. */
export const IF_MATCH_PATTERN = '^"\\d{1,15}"$';

/**
 * If-Match: the account version the client expects, as one strong entity tag `"7"`. A weak tag
 * (`W/"7"`) never matches under If-Match's strong comparison (RFC 9110 §13.1.1), so it is refused
 * rather than taken as strong; so are unbalanced quotes, bare numbers, lists and `*`.
 */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!new RegExp(IF_MATCH_PATTERN).test(value)) {
    const allowed = value.startsWith('W/')
      ? 'a strong entity tag: weak tags never match If-Match, e.g. "7"'
      : 'the account version as one strong entity tag in double quotes, e.g. "7"';
    throw headerProblem('If-Match', value, allowed);
  }
  return Number(value.slice(1, -1));
}

export function parseAccountId(value: string): string {
  const result = accountId.safeParse(value);
  if (!result.success) {
    throw validationProblem([
      {
        field: 'accountId',
        value,
        allowed: `1-${MAX_ACCOUNT_ID_LENGTH} characters: letters, digits and . _ : -, not . or ..`,
      },
    ]);
  }
  return result.data;
}

export function parseOptionalHeader(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!headerToken.test(value)) {
    throw headerProblem(name, value, '1-200 printable ASCII characters without spaces');
  }
  return value;
}

/** What a problem may echo of a value: scalars (long strings cut), never a whole structure. */
function echo(value: unknown): unknown {
  if (Array.isArray(value)) return `(an array of ${value.length})`;
  if (value !== null && typeof value === 'object') return '(an object)';
  if (typeof value === 'string' && value.length > 100) return `${value.slice(0, 100)}…`;
  return value;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return echo(value);
}
