import { EventDecodeError } from './errors.js';

// Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, the Avro body.
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body], HEADER_BYTES + body.length);
}

export function unframe(bytes: Buffer | null): { schemaId: number; body: Buffer } {
  if (bytes === null || bytes.length === 0) {
    throw new EventDecodeError('EMPTY_RECORD', 'record has no value (null or empty)');
  }
  if (bytes[0] !== MAGIC_BYTE) {
    throw new EventDecodeError(
      'WRONG_MAGIC_BYTE',
      `first byte is ${bytes[0]}, expected the Confluent magic byte 0`,
    );
  }
  if (bytes.length < HEADER_BYTES) {
    throw new EventDecodeError(
      'TRUNCATED',
      `record is ${bytes.length} bytes, shorter than the 5-byte wire-format header`,
    );
  }
  return { schemaId: bytes.readUInt32BE(1), body: bytes.subarray(HEADER_BYTES) };
}

/** The schema id in a record's header, or null when the record has no valid header. */
export function schemaIdOf(bytes: Buffer | null): number | null {
  return bytes !== null && bytes.length >= HEADER_BYTES && bytes[0] === MAGIC_BYTE
    ? bytes.readUInt32BE(1)
    : null;
}
