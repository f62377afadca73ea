import { describe, expect, it } from 'vitest';
import { isPoison, isRetriable, PoisonRecordError, TallyError } from './errors.js';

describe('failure kinds', () => {
  it('a poison record is never retried', () => {
    const error = new PoisonRecordError(
      'EVENT_DECODE_FAILED',
      'WRONG_MAGIC_BYTE',
      'first byte 123',
    );
    expect(isPoison(error)).toBe(true);
    expect(isRetriable(error)).toBe(false);
  });

  it('an error that says whether it is retriable is taken at its word', () => {
    expect(isRetriable(new TallyError('REGISTRY_UNAVAILABLE', 'timed out', true))).toBe(true);
    expect(isRetriable(new TallyError('TOPIC_MISMATCH', 'wrong spec', false))).toBe(false);
    expect(isRetriable(Object.assign(new Error('kafkajs'), { retriable: false }))).toBe(false);
  });

  it('unknown I/O failures are retried, programmer errors are not', () => {
    expect(isRetriable(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isRetriable(new TypeError('x is not a function'))).toBe(false);
    expect(isPoison(new Error('plain'))).toBe(false);
    expect(isPoison(undefined)).toBe(false);
  });
});
