export { inMemoryTracing, type InMemoryTracing } from './in-memory.js';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
export {
  serviceNodeArgs,
  startTracedProcess,
  type LogLine,
  type TracedProcess,
} from './traced-process.js';
