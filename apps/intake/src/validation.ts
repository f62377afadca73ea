import {
  isCurrencyCode,
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
export const accountId = z
  .string()
  .min(1)
  .max(MAX_ACCOUNT_ID_LENGTH)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const openAccountBody = z.strictObject({
  accountId: accountId.optional(),
  owner: z.string().trim().min(1, 'a non-blank name').max(MAX_OWNER_LENGTH),
  currency,
  overdraftLimit: z.number().int().min(0).max(MAX_OVERDRAFT_LIMIT_MINOR).optional(),
});
export const movementBody = z.strictObject({ amount, currency });
export const closeBody = z.strictObject({}).optional();

const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** Parses a body or throws a 422 naming each bad field, the value seen and what is allowed. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
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

/** If-Match: the account version the client expects, as `"7"` (or bare 7). */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!match)
    throw headerProblem('If-Match', value, 'the account version as an entity tag, e.g. "7"');
  return Number(match[1]);
}

export function parseAccountId(value: string): string {
  const result = accountId.safeParse(value);
  if (!result.success) {
    throw validationProblem([
      {
        field: 'accountId',
        value,
        allowed: `1-${MAX_ACCOUNT_ID_LENGTH} characters: letters, digits and . _ : -`,
      },
    ]);
  }
  return result.data;
}

export function parseOptionalHeader(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(value)) {
    throw headerProblem(name, value, '1-200 printable ASCII characters without spaces');
  }
  return value;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
