export {
  tracingEnabled,
  fallbackServiceName,
  otherSignalsRequested,
  type Env,
} from './settings.js';
export { shutdownTracing, tracingStarted } from './lifecycle.js';
export {
  currentTraceContext,
  extractTraceContext,
  NO_TRACE,
  injectTraceHeaders,
  recordSpanContext,
  type HeaderValue,
  type RecordHeaders,
  type TraceContext,
  type TraceHeaders,
} from './propagation.js';
export {
  kafkaTracer,
  startBatchSpan,
  startRecordSpan,
  startSendSpan,
  startTracedBatch,
  startTracedSends,
  type BatchOutcome,
  type BatchRecord,
  type IncomingBatch,
  type IncomingRecord,
  type RecordDestination,
  type SendRecord,
  type TracedBatch,
  type TracedBatchOptions,
  type TracedSends,
} from './messaging.js';
export {
  logContextFields,
  logScope,
  setLogCorrelationId,
  withLogContext,
  type LogScope,
} from './log-context.js';
