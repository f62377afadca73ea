import {
  context as contextApi,
  ROOT_CONTEXT,
  SpanKind,
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

export interface OutgoingRecord {
  readonly topic: string;
  readonly partition?: number;
}

/**
 * A producer span for one record about to be written, child of `parent`, and the headers that
 * carry it to the consumer. A transactional writer ends it when the transaction commits (or
 * marks it failed when it aborts), so its duration is the time until the record is readable.
 */
export function startSendSpan(
  tracer: Tracer,
  record: OutgoingRecord,
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
