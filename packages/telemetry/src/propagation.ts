import {
  context as contextApi,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * The trace a piece of work runs in, captured where a record is made (`currentTraceContext()`)
 * and handed to the writer, which may send the record later, from another context.
 */
export type TraceContext = Context;

/** No trace: a record made with it gets no span and no trace header. */
export const NO_TRACE: TraceContext = ROOT_CONTEXT;

/** The active trace context (the root context outside any traced operation). */
export function currentTraceContext(): TraceContext {
  return contextApi.active();
}

/** The trace headers a record carries: `traceparent` and, when set, `tracestate` (W3C). */
export type TraceHeaders = Record<string, string>;

/** One header value as Kafka clients hand them out: text, bytes, or several of either. */
export type HeaderValue = string | Uint8Array | readonly (string | Uint8Array)[] | undefined;

/** A record's headers, as a plain map. Keys are matched exactly (W3C names are lower case). */
export type RecordHeaders = Readonly<Record<string, HeaderValue>>;

// W3C Trace Context on Kafka records whatever OTEL_PROPAGATORS says: the record format is a
// contract between services, not a per-process setting.
const w3c = new W3CTraceContextPropagator();
const decoder = new TextDecoder();

function text(value: HeaderValue): string | undefined {
  const first = Array.isArray(value) ? (value as readonly (string | Uint8Array)[])[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : decoder.decode(first as Uint8Array);
}

/**
 * The headers that carry `ctx`'s span to the next service: empty when `ctx` has no valid span
 * (tracing off, or not in a traced operation), so untraced records stay as they were.
 */
export function injectTraceHeaders(ctx: Context = contextApi.active()): TraceHeaders {
  const headers: TraceHeaders = {};
  w3c.inject(ctx, headers, defaultTextMapSetter);
  return headers;
}

/**
 * A context whose parent is the span a record's headers name, to start the consumer's spans in
 * the producer's trace; the root context when the headers carry no valid `traceparent`. Never
 * throws: a malformed header from a careless producer only loses the link.
 */
export function extractTraceContext(headers: RecordHeaders | undefined): Context {
  if (headers === undefined) return ROOT_CONTEXT;
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = text(headers[name]);
    if (value !== undefined) carrier[name] = value;
  }
  return w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

/** The remote span a record's headers name, for a link from a batch span; undefined if none. */
export function recordSpanContext(headers: RecordHeaders | undefined): SpanContext | undefined {
  const spanContext = trace.getSpanContext(extractTraceContext(headers));
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
}
