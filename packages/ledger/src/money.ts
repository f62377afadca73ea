/**
 * Money is an integer count of the currency's minor units (cents for EUR, yen for JPY, fils for
 * BHD), never a float. Both caps below count minor units whatever the currency, so every sum the
 * domain computes stays an exact JavaScript number (and fits an Avro `long`).
 *
 * Exactness: |balance| <= MAX_BALANCE_MINOR (10^15) and one movement <= MAX_AMOUNT_MINOR (10^14),
 * so every intermediate value (balance +/- amount, balance + overdraft limit) stays below
 * 1.1 * 10^15, far under Number.MAX_SAFE_INTEGER (2^53 - 1, about 9.007 * 10^15).
 */

/**
 * Largest amount of one deposit or withdrawal: 10^14 minor units, i.e. one trillion (10^12) units
 * of a two-digit currency such as EUR. Larger than any real single movement, small enough that
 * ten of them still sum exactly, and a round number people can remember.
 */
export const MAX_AMOUNT_MINOR = 100_000_000_000_000;

/**
 * Largest balance an account may reach: 10^15 minor units (10 trillion EUR). A deposit that would
 * go above it is rejected with BALANCE_LIMIT_EXCEEDED. Kept ten times MAX_AMOUNT_MINOR and well
 * under Number.MAX_SAFE_INTEGER so that balance + amount is always exact.
 */
export const MAX_BALANCE_MINOR = 1_000_000_000_000_000;

/** Largest overdraft limit; the balance never goes below -MAX_OVERDRAFT_LIMIT_MINOR. */
export const MAX_OVERDRAFT_LIMIT_MINOR = MAX_BALANCE_MINOR;

/** A movement amount: a positive integer of minor units up to MAX_AMOUNT_MINOR. */
export function isValidAmount(value: unknown): value is number {
  return (
    Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_AMOUNT_MINOR
  );
}

/** An overdraft limit: an integer of minor units from 0 to MAX_OVERDRAFT_LIMIT_MINOR. */
export function isValidOverdraftLimit(value: unknown): value is number {
  return (
    Number.isSafeInteger(value) &&
    (value as number) >= 0 &&
    (value as number) <= MAX_OVERDRAFT_LIMIT_MINOR
  );
}
