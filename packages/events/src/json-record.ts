import { PoisonRecordError } from '@tally/kafka';
import type { z } from 'zod';

/** A JSON record (command or outcome) that is not what its contract says: poison. */
export class RecordDecodeError extends PoisonRecordError {
  constructor(reason: string, message: string) {
    super('RECORD_DECODE_FAILED', reason, message);
    this.name = 'RecordDecodeError';
  }
}

export function encodeJsonRecord(record: object): Buffer {
  return Buffer.from(JSON.stringify(record));
}

/**
 * Decodes a versioned JSON record (`v: <version>`): the parser of its version reads it, and an
 * unknown version, bad JSON or a field outside the contract is a RecordDecodeError with `reason`.
 */
export function decodeJsonRecord<T>(
  value: Buffer | null,
  reason: string,
  versions: Readonly<Record<number, z.ZodType<T>>>,
): T {
  const what = reason.replace(/^INVALID_/, '').toLowerCase();
  if (value === null) throw new RecordDecodeError(reason, `${what} record has no value`);
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new RecordDecodeError(reason, `${what} record is not JSON: ${String(error)}`);
  }
  const version =
    typeof json === 'object' && json !== null ? (json as { v?: unknown }).v : undefined;
  const parser = typeof version === 'number' ? versions[version] : undefined;
  if (parser === undefined) {
    throw new RecordDecodeError(reason, `unknown ${what} record version ${String(version)}`);
  }
  const result = parser.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.join('.') || '(record)'}: ${i.message}`,
    );
    throw new RecordDecodeError(reason, `not a v${version} ${what} record: ${problems.join('; ')}`);
  }
  return result.data;
}
