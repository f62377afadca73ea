import { PoisonRecordError, TallyError } from '@tally/kafka';

/** Why a Kafka record could not be turned into an account event. */
export type DecodeFailure =
  | 'EMPTY_RECORD'
  | 'WRONG_MAGIC_BYTE'
  | 'TRUNCATED'
  | 'UNKNOWN_SCHEMA_ID'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_BODY';

/** A record that is not a readable account event: poison. Consumers halt on it; they never skip it. */
export class EventDecodeError extends PoisonRecordError {
  override readonly reason: DecodeFailure;
  constructor(
    reason: DecodeFailure,
    message: string,
    readonly schemaId?: number,
  ) {
    super('EVENT_DECODE_FAILED', reason, message);
    this.reason = reason;
    this.name = 'EventDecodeError';
  }
}

/** An event that cannot be written: no schema for its type, or a field outside its schema. */
export class EventEncodeError extends TallyError {
  constructor(message: string) {
    super('EVENT_ENCODE_FAILED', message, false);
    this.name = 'EventEncodeError';
  }
}
