/** Why a Kafka record could not be turned into an account event. */
export type DecodeFailure =
  | 'EMPTY_RECORD'
  | 'WRONG_MAGIC_BYTE'
  | 'TRUNCATED'
  | 'UNKNOWN_SCHEMA_ID'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_BODY';

/** A record that is not a readable account event. Consumers halt on it; they never skip it. */
export class EventDecodeError extends Error {
  readonly code = 'EVENT_DECODE_FAILED';
  constructor(
    readonly reason: DecodeFailure,
    message: string,
    readonly schemaId?: number,
  ) {
    super(message);
    this.name = 'EventDecodeError';
  }
}

/** An event that cannot be written: no schema for its type, or a field outside its schema. */
export class EventEncodeError extends Error {
  readonly code = 'EVENT_ENCODE_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'EventEncodeError';
  }
}
