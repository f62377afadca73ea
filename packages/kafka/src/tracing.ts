import {
  kafkaTracer,
  startTracedBatch,
  startTracedSends,
  type BatchOutcome,
  type TracedBatch,
} from '@tally/telemetry';
import type { Message } from 'kafkajs';
import type { KafkaRecord, OutgoingRecord, TraceContext } from './types.js';

/**
 * The Kafka adapter's tracing (ADR 0010): records written in a trace carry its W3C headers and get
 * a `send` span; a fetched batch gets a batch span and each traced record a span in its writer's
 * trace, with a log scope per record.
 */

/**
 * kafkajs messages for records about to be written, with the trace headers of their spans. A
 * record without `trace` continues `fallback` (default: the active context).
 */
export function tracedMessages(
  topic: string,
  records: readonly OutgoingRecord[],
  fallback?: TraceContext,
): { readonly messages: Message[]; end(error?: unknown): void } {
  const sends = startTracedSends(kafkaTracer(), topic, records, fallback);
  const messages = records.map((record, i): Message => {
    const trace = sends.headers[i] ?? {};
    const headers =
      Object.keys(trace).length === 0 ? record.headers : { ...record.headers, ...trace };
    const message: Message = { value: record.value };
    if (record.key !== undefined) message.key = record.key;
    if (record.partition !== undefined) message.partition = record.partition;
    if (headers !== undefined) message.headers = { ...headers };
    return message;
  });
  return { messages, end: (error) => sends.end(error) };
}

/** Runs one record's work in its trace and log scope; names its correlation id on its log lines. */
export interface RecordScopes {
  run<T>(record: KafkaRecord, fn: () => T): T;
  correlate(record: KafkaRecord, correlationId: string): void;
}

/** Scopes that change nothing: for batches handed to a store outside a consumer (tests, tools). */
export const plainRecordScopes: RecordScopes = {
  run: (_record, fn) => fn(),
  correlate: () => undefined,
};

export interface FetchedBatchTrace {
  readonly traced: TracedBatch;
  readonly scopes: RecordScopes;
}

/** The spans and log scopes of one fetched batch (see `startTracedBatch`). */
export function traceFetchedBatch(
  operation: string,
  batch: {
    readonly topic: string;
    readonly partition: number;
    readonly groupId: string;
    readonly messages: readonly KafkaRecord[];
    readonly recordSpans?: boolean | undefined;
  },
): FetchedBatchTrace {
  const traced = startTracedBatch(kafkaTracer(), operation, {
    topic: batch.topic,
    partition: batch.partition,
    groupId: batch.groupId,
    messages: batch.messages,
    ...(batch.recordSpans === undefined ? {} : { recordSpans: batch.recordSpans }),
  });
  return {
    traced,
    scopes: {
      run: (record, fn) => traced.run(record.offset, fn),
      correlate: (record, correlationId) => traced.correlate(record.offset, correlationId),
    },
  };
}

export type { BatchOutcome };
