import { describe, expect, it } from 'vitest';
import { EventDecodeError } from './errors.js';
import { frame, unframe } from './wire-format.js';

function failure(bytes: Buffer | null): EventDecodeError {
  try {
    unframe(bytes);
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
  throw new Error('expected unframe to throw');
}

describe('Confluent wire format', () => {
  it('frames magic byte 0, a big-endian schema id and the body', () => {
    const bytes = frame(258, Buffer.from([7, 8, 9]));
    expect([...bytes]).toEqual([0, 0, 0, 1, 2, 7, 8, 9]);
    expect(unframe(bytes)).toEqual({ schemaId: 258, body: Buffer.from([7, 8, 9]) });
  });

  it('names an empty or null record', () => {
    expect(failure(null).reason).toBe('EMPTY_RECORD');
    expect(failure(Buffer.alloc(0)).reason).toBe('EMPTY_RECORD');
  });

  it('names a wrong magic byte, with the byte seen', () => {
    const error = failure(Buffer.from('{"json":true}'));
    expect(error.reason).toBe('WRONG_MAGIC_BYTE');
    expect(error.message).toContain('first byte is 123');
  });

  it('names a header cut short', () => {
    const error = failure(Buffer.from([0, 0, 1]));
    expect(error.reason).toBe('TRUNCATED');
    expect(error.message).toContain('3 bytes');
  });
});
