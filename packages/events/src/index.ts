export { canonicalJson, CanonicalEncodingError } from './canonical-json.js';
export {
  compatibilityProblems,
  formatProblem,
  type CompatibilityProblem,
} from './compatibility.js';
export { EventDecodeError, EventEncodeError, type DecodeFailure } from './errors.js';
export type * from './generated/records.js';
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
export { ACCOUNT_EVENTS_TOPIC, accountEventsTopicSpec, ensureAccountEventsTopic } from './topic.js';
export { frame, unframe } from './wire-format.js';
export { registerSchemas, type RegistrationResult } from './workflow.js';
