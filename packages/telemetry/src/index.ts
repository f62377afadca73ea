export {
  tracingEnabled,
  fallbackServiceName,
  otherSignalsRequested,
  type Env,
} from './settings.js';
export { shutdownTracing, tracingStarted } from './lifecycle.js';
export {
  extractTraceContext,
  injectTraceHeaders,
  recordSpanContext,
  type HeaderValue,
  type RecordHeaders,
  type TraceHeaders,
} from './propagation.js';
export {
  kafkaTracer,
  startBatchSpan,
  startRecordSpan,
  startSendSpan,
  type IncomingBatch,
  type IncomingRecord,
  type OutgoingRecord,
} from './messaging.js';
export { logContextFields, setLogCorrelationId, withLogContext } from './log-context.js';
