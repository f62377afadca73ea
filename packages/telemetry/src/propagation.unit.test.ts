import { ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceHeaders, recordSpanContext } from './propagation.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const sampled: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
const traceparent = `00-${traceId}-${spanId}-01`;

describe('injectTraceHeaders', () => {
  it('writes the W3C traceparent of the context span', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, sampled);
    expect(injectTraceHeaders(ctx)).toEqual({ traceparent });
  });

  it('writes tracestate when the span has one, and the unsampled flag', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      ...sampled,
      traceFlags: TraceFlags.NONE,
      traceState: new TraceState('vendor=abc'),
    });
    expect(injectTraceHeaders(ctx)).toEqual({
      traceparent: `00-${traceId}-${spanId}-00`,
      tracestate: 'vendor=abc',
    });
  });

  it('writes nothing outside a span (tracing off, or an untraced operation)', () => {
    expect(injectTraceHeaders(ROOT_CONTEXT)).toEqual({});
    expect(injectTraceHeaders()).toEqual({});
  });
});

describe('extractTraceContext', () => {
  it('reads back what inject wrote, as a remote parent', () => {
    const headers = injectTraceHeaders(trace.setSpanContext(ROOT_CONTEXT, sampled));
    expect(trace.getSpanContext(extractTraceContext(headers))).toEqual({
      ...sampled,
      isRemote: true,
    });
  });

  it.each([
    ['bytes', { traceparent: Buffer.from(traceparent) }],
    ['a list of values (the first counts)', { traceparent: [Buffer.from(traceparent), 'x'] }],
    ['a Uint8Array', { traceparent: new TextEncoder().encode(traceparent) }],
  ])('reads a header given as %s', (_what, headers) => {
    expect(recordSpanContext(headers)?.traceId).toBe(traceId);
  });

  it('keeps tracestate', () => {
    const ctx = extractTraceContext({ traceparent, tracestate: 'a=1,b=2' });
    expect(trace.getSpanContext(ctx)?.traceState?.serialize()).toBe('a=1,b=2');
  });

  it.each([
    ['no headers', undefined],
    ['no traceparent', { other: 'x' }],
    ['an empty list', { traceparent: [] }],
    ['garbage', { traceparent: 'not a traceparent' }],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${spanId}-01` }],
    ['an all-zero span id', { traceparent: `00-${traceId}-${'0'.repeat(16)}-01` }],
    ['version ff', { traceparent: `ff-${traceId}-${spanId}-01` }],
    ['upper-case hex', { traceparent: `00-${traceId.toUpperCase()}-${spanId}-01` }],
    ['invalid bytes', { traceparent: Buffer.from([0xff, 0xfe, 0x00]) }],
  ])('gives the root context for %s', (_what, headers) => {
    expect(extractTraceContext(headers)).toBe(ROOT_CONTEXT);
    expect(recordSpanContext(headers)).toBeUndefined();
  });
});
