export { EventDecodeError, EventEncodeError, type DecodeFailure } from './errors.js';
export { RegistryClient, RegistryError, type RegisteredSchema } from './registry-client.js';
export {
  loadSchemas,
  parseSchema,
  SCHEMA_DIR,
  type LocalSchema,
  type RecordSchema,
} from './schemas.js';
export { AccountEventSerde, SchemaNotRegisteredError, type SerdeOptions } from './serde.js';
export { EVENT_SUBJECT_COMPATIBILITY, subjectFor } from './subjects.js';
export { frame, unframe } from './wire-format.js';
export type * from './generated/records.js';
