export { canonicalJson, CanonicalEncodingError } from './canonical-json.js';
export {
  decodeCommand,
  encodeCommand,
  eventIdsOf,
  type CommandBody,
  type CommandRecord,
} from './command-record.js';
export {
  compatibilityProblems,
  formatProblem,
  type CompatibilityProblem,
} from './compatibility.js';
export { EventDecodeError, EventEncodeError, type DecodeFailure } from './errors.js';
export type * from './generated/records.js';
export { RecordDecodeError } from './json-record.js';
export { decodeOutcome, encodeOutcome, type OutcomeRecord } from './outcome-record.js';
export {
  REGISTRY_TIMEOUT_MS,
  RegistryClient,
  RegistryError,
  type RegisteredSchema,
} from './registry-client.js';
export {
  registryEnv,
  registryOptions,
  type RegistryAuth,
  type RegistryConfig,
} from './registry-env.js';
export {
  loadSchemas,
  parseSchema,
  SCHEMA_DIR,
  type LocalSchema,
  type RecordSchema,
} from './schemas.js';
export {
  AccountEventSerde,
  SchemaNotRegisteredError,
  type DecodedEvent,
  type SerdeOptions,
  type WriterSchema,
} from './serde.js';
export { EVENT_SUBJECT_COMPATIBILITY, subjectFor } from './subjects.js';
export {
  ACCOUNT_COMMANDS_TOPIC,
  ACCOUNT_EVENTS_TOPIC,
  accountCommandsTopicSpec,
  accountEventsTopicSpec,
  COMMAND_OUTCOMES_TOPIC,
  commandOutcomesTopicSpec,
  ensureAccountEventsTopic,
  ensureLedgerTopics,
  MissingBesideHistoryError,
  refuseMissingBesideHistory,
  topicEnv,
  type LedgerTopics,
  type TopicOptions,
} from './topics.js';
export { frame, schemaIdOf, unframe } from './wire-format.js';
export { registerSchemas, unknownEventSubjects, type RegistrationResult } from './workflow.js';
