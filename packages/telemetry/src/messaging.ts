import {
  context as contextApi,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  extractTraceContext,
  injectTraceHeaders,
  recordSpanContext,
  type RecordHeaders,
  type TraceHeaders,
} from './propagation.js';
import { logScope, type LogScope } from './log-context.js';

// Messaging semantic conventions (still incubating upstream, so named here rather than imported
// from the unstable entry point).
const SYSTEM = 'messaging.system';
const DESTINATION = 'messaging.destination.name';
const PARTITION = 'messaging.destination.partition.id';
const OFFSET = 'messaging.kafka.offset';
const OPERATION_TYPE = 'messaging.operation.type';
const OPERATION_NAME = 'messaging.operation.name';
const BATCH_COUNT = 'messaging.batch.message_count';
const GROUP = 'messaging.consumer.group.name';

/** The tracer of Tally's Kafka adapter: a no-op until the SDK is started. */
export function kafkaTracer(): Tracer {
  return trace.getTracer('@tally/kafka');
}

function base(topic: string, partition: number | undefined, operation: string): Attributes {
  const attributes: Attributes = {
    [SYSTEM]: 'kafka',
    [DESTINATION]: topic,
    [OPERATION_NAME]: operation,
  };
  if (partition !== undefined) attributes[PARTITION] = String(partition);
  return attributes;
}

export interface RecordDestination {
  readonly topic: string;
  readonly partition?: number | undefined;
}

/**
 * A producer span for one record about to be written, child of `parent`, and the headers that
 * carry it to the consumer. A transactional writer ends it when the transaction commits (or
 * marks it failed when it aborts), so its duration is the time until the record is readable.
 */
export function startSendSpan(
  tracer: Tracer,
  record: RecordDestination,
  parent: Context = contextApi.active(),
): { readonly span: Span; readonly headers: TraceHeaders } {
  const span = tracer.startSpan(
    `send ${record.topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { ...base(record.topic, record.partition, 'send'), [OPERATION_TYPE]: 'send' },
    },
    parent,
  );
  return { span, headers: injectTraceHeaders(trace.setSpan(parent, span)) };
}

export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  readonly groupId?: string;
  /** Each record's headers, in offset order. */
  readonly records: readonly (RecordHeaders | undefined)[];
}

/**
 * The span of one batch's work (decode, decide or fold, one commit). A batch serves many traces,
 * so it starts its own trace and links to the span of every record that carries one (the SDK
 * keeps the first `OTEL_SPAN_LINK_COUNT_LIMIT` links, 128 by default).
 */
export function startBatchSpan(tracer: Tracer, operation: string, batch: IncomingBatch): Span {
  const links: Link[] = [];
  for (const headers of batch.records) {
    const linked = recordSpanContext(headers);
    if (linked !== undefined) links.push({ context: linked });
  }
  const attributes: Attributes = {
    ...base(batch.topic, batch.partition, operation),
    [OPERATION_TYPE]: 'process',
    [BATCH_COUNT]: batch.records.length,
  };
  if (batch.groupId !== undefined) attributes[GROUP] = batch.groupId;
  return tracer.startSpan(
    `${operation} ${batch.topic}`,
    { kind: SpanKind.CONSUMER, root: true, links, attributes },
    ROOT_CONTEXT,
  );
}

export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly headers: RecordHeaders | undefined;
}

/**
 * The span of one record's part in a batch, in the trace of the span that wrote the record and
 * linked to the batch span; the context to run the record's work in (so its log lines and the
 * records it writes join that trace). Undefined for a record that carries no trace context
 * (written before tracing, or by an untraced producer): replaying old history then costs
 * nothing per record, the batch span covers it.
 */
export function startRecordSpan(
  tracer: Tracer,
  operation: string,
  record: IncomingRecord,
  batchSpan?: Span,
): { readonly span: Span; readonly context: Context } | undefined {
  const parent = extractTraceContext(record.headers);
  if (trace.getSpanContext(parent) === undefined) return undefined;
  const links: Link[] = batchSpan === undefined ? [] : [{ context: batchSpan.spanContext() }];
  const span = tracer.startSpan(
    `${operation} ${record.topic}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        ...base(record.topic, record.partition, operation),
        [OPERATION_TYPE]: 'process',
        [OFFSET]: Number(record.offset),
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** A record of a fetched batch, as the batch's trace needs it. */
export interface BatchRecord {
  readonly offset: string;
  readonly headers?: RecordHeaders | undefined;
}

/** How a batch's work ended, for the status of its spans. */
export interface BatchOutcome {
  /** The batch failed as a whole (thrown, aborted, stale): nothing of it took effect. */
  readonly error?: unknown;
  /** Records before this offset took effect; this one and later ones did not. */
  readonly haltedAt?: { readonly offset: string; readonly reason: string };
}

/**
 * The trace and log context of one fetched batch: its batch span, a span per record that carries
 * trace context (started at once, ended with the batch), and a log scope per record.
 */
export interface TracedBatch {
  /** The batch span's context. */
  readonly context: Context;
  /** Runs the batch's own work (decode, fold, commit) in the batch span. */
  runBatch<T>(fn: () => T): T;
  /**
   * Runs `fn` as one record's work: in the record's span (the batch span for a record without
   * trace context) and the record's log scope, so its log lines and the records it writes join
   * the record's trace. Synchronous work stays synchronous.
   */
  run<T>(offset: string, fn: () => T): T;
  /** Names the correlation id on the record's log lines from now on (once its body is decoded). */
  correlate(offset: string, correlationId: string): void;
  /** Ends every record span and then the batch span; call once. */
  end(outcome?: BatchOutcome): void;
}

export interface TracedBatchOptions extends IncomingBatch {
  /** Records in offset order; `records` of IncomingBatch is derived from their headers. */
  readonly messages: readonly BatchRecord[];
  /**
   * false: no per-record spans, only the batch span with its links (a rebuild, which must not
   * add spans to old traces). Default true.
   */
  readonly recordSpans?: boolean;
}

function endWith(span: Span, error: unknown): void {
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    if (error instanceof Error) span.recordException(error);
  }
  span.end();
}

/**
 * Starts the spans of one fetched batch (see `startBatchSpan` and `startRecordSpan`) and the log
 * scopes of its records. With tracing off it costs a log scope per record that logs.
 */
export function startTracedBatch(
  tracer: Tracer,
  operation: string,
  batch: Omit<TracedBatchOptions, 'records'>,
): TracedBatch {
  const { topic, partition } = batch;
  const batchSpan = startBatchSpan(tracer, operation, {
    ...batch,
    records: batch.messages.map((m) => m.headers),
  });
  const batchContext = trace.setSpan(ROOT_CONTEXT, batchSpan);
  const spans = new Map<string, { readonly span: Span; readonly context: Context }>();
  if (batch.recordSpans !== false) {
    for (const { offset, headers } of batch.messages) {
      const started = startRecordSpan(
        tracer,
        operation,
        { topic, partition, offset, headers },
        batchSpan,
      );
      if (started !== undefined) spans.set(offset, started);
    }
  }
  const scopes = new Map<string, LogScope>();
  const scopeOf = (offset: string): LogScope => {
    let scope = scopes.get(offset);
    if (scope === undefined) {
      scope = logScope();
      scopes.set(offset, scope);
    }
    return scope;
  };
  let ended = false;
  return {
    context: batchContext,
    runBatch: (fn) => contextApi.with(batchContext, fn),
    run: (offset, fn) =>
      contextApi.with(spans.get(offset)?.context ?? batchContext, () => scopeOf(offset).run(fn)),
    correlate: (offset, correlationId) => scopeOf(offset).setCorrelationId(correlationId),
    end: (outcome = {}) => {
      if (ended) return;
      ended = true;
      const halt = outcome.haltedAt;
      const haltOffset = halt === undefined ? undefined : BigInt(halt.offset);
      for (const [offset, { span }] of spans) {
        let error = outcome.error;
        if (error === undefined && halt !== undefined && haltOffset !== undefined) {
          if (offset === halt.offset) error = `partition halted on this record: ${halt.reason}`;
          else if (BigInt(offset) > haltOffset) {
            error = `not applied: partition halted at offset ${halt.offset}`;
          }
        }
        endWith(span, error);
      }
      if (halt !== undefined) batchSpan.setAttribute('tally.halted_at_offset', Number(halt.offset));
      endWith(batchSpan, outcome.error);
    },
  };
}

/** A record about to be written: where it goes, and the trace it continues. */
export interface SendRecord {
  readonly partition?: number | undefined;
  /** The trace the record continues (captured where it was made); default: the active one. */
  readonly trace?: Context | undefined;
}

/** The send spans of records written together, and the headers that carry each one. */
export interface TracedSends {
  /** Per record, in order: its trace headers (empty for a record written outside any trace). */
  readonly headers: readonly TraceHeaders[];
  /** Ends every send span: when the records are durable (acknowledged, or committed). */
  end(error?: unknown): void;
}

/**
 * A `send` span per record that continues a trace (see `startSendSpan`); a record made outside
 * any trace gets neither span nor header, so untraced writers write records as they were.
 */
export function startTracedSends(
  tracer: Tracer,
  topic: string,
  records: readonly SendRecord[],
  fallback: Context = contextApi.active(),
): TracedSends {
  const spans: Span[] = [];
  const headers = records.map((record) => {
    const parent = record.trace ?? fallback;
    const parentSpan = trace.getSpanContext(parent);
    if (parentSpan === undefined || !isSpanContextValid(parentSpan)) return {};
    const sent = startSendSpan(tracer, { topic, partition: record.partition }, parent);
    spans.push(sent.span);
    return sent.headers;
  });
  return {
    headers,
    end: (error) => {
      for (const span of spans) endWith(span, error);
    },
  };
}
