import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';

export interface InMemoryTracing {
  readonly tracer: Tracer;
  /** Spans ended so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** Unregisters the global provider and context manager (when registered). */
  stop(): Promise<void>;
}

/**
 * A tracer whose spans stay in memory, for tests. With `global: true` it also becomes the process'
 * tracer provider and context manager, so code that reads the active span (log lines, Kafka
 * adapters) sees it; call `stop()` after the test.
 */
export function inMemoryTracing(options: { global?: boolean } = {}): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let contextManager: AsyncLocalStorageContextManager | undefined;
  if (options.global === true) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(provider);
  }
  return {
    tracer: provider.getTracer('test'),
    spans: () => exporter.getFinishedSpans(),
    stop: async () => {
      if (contextManager !== undefined) {
        trace.disable();
        context.disable();
      }
      await provider.shutdown();
    },
  };
}
