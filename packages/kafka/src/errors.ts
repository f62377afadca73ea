/**
 * How a failure is handled is decided here, once, by two properties every Tally error carries:
 *
 * - `poison`: the record itself can never be processed as it is (undecodable, not a valid
 *   contract). A consumer halts on it, or records it as an anomaly; retrying cannot help.
 * - `retriable`: trying again later may succeed (a broker, registry or database unreachable).
 *
 * Call sites ask `isPoison(error)` and `isRetriable(error)`, never `instanceof`. kafkajs reads the
 * same `retriable` property: an error with `retriable: false` that escapes a batch crashes the
 * consumer without a restart, and the read-model service then exits.
 */
export class TallyError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    readonly poison = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TallyError';
  }
}

/** A record that is not what its topic's contract says: never retried, never silently skipped. */
export class PoisonRecordError extends TallyError {
  constructor(
    code: string,
    /** A stable, short reason, e.g. WRONG_MAGIC_BYTE or INVALID_OUTCOME. */
    readonly reason: string,
    message: string,
  ) {
    super(code, message, false, true);
    this.name = 'PoisonRecordError';
  }
}

const PROGRAMMER_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

function property(error: unknown, name: 'poison' | 'retriable'): unknown {
  return typeof error === 'object' && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

/** True for a record that can never be processed as it is. */
export function isPoison(error: unknown): error is PoisonRecordError {
  return property(error, 'poison') === true;
}

/**
 * True when trying again may succeed: an error that says so, or an unknown error that is neither
 * poison nor a programmer error (I/O failures of drivers rarely say what they are).
 */
export function isRetriable(error: unknown): boolean {
  const retriable = property(error, 'retriable');
  if (typeof retriable === 'boolean') return retriable;
  if (isPoison(error)) return false;
  return !(error instanceof Error && PROGRAMMER_ERRORS.has(error.name));
}
