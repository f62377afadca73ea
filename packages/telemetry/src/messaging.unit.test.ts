import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startBatchSpan, startRecordSpan, startSendSpan } from './messaging.js';
import { inMemoryTracing, type InMemoryTracing } from './testing/index.js';

let tracing: InMemoryTracing;
afterEach(() => tracing.stop());

describe('Kafka spans', () => {
  it('carries one trace from a send through a record span to the next send', () => {
    tracing = inMemoryTracing();
    const { tracer } = tracing;
    const request = tracer.startSpan('POST /accounts/:accountId/deposits');
    const command = startSendSpan(
      tracer,
      { topic: 'commands', partition: 3 },
      trace.setSpan(ROOT_CONTEXT, request),
    );
    expect(command.headers.traceparent).toBe(
      `00-${request.spanContext().traceId}-${command.span.spanContext().spanId}-01`,
    );

    const batch = startBatchSpan(tracer, 'decide', {
      topic: 'commands',
      partition: 3,
      groupId: 'processors',
      records: [command.headers, undefined, { traceparent: 'junk' }],
    });
    const decided = startRecordSpan(
      tracer,
      'decide',
      { topic: 'commands', partition: 3, offset: '41', headers: command.headers },
      batch,
    );
    expect(decided).toBeDefined();
    const event = startSendSpan(tracer, { topic: 'events', partition: 3 }, decided!.context);
    for (const span of [event.span, decided!.span, batch, command.span, request]) span.end();

    const [sentEvent, decide, batchSpan, sentCommand, http] = tracing.spans();
    const traceId = request.spanContext().traceId;
    expect(sentCommand).toMatchObject({ name: 'send commands', kind: SpanKind.PRODUCER });
    expect(sentCommand!.parentSpanContext?.spanId).toBe(http!.spanContext().spanId);
    expect(sentCommand!.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'commands',
      'messaging.destination.partition.id': '3',
      'messaging.operation.type': 'send',
    });

    // The record span continues the command's trace and links the batch's own trace.
    expect(decide).toMatchObject({ name: 'decide commands', kind: SpanKind.CONSUMER });
    expect(decide!.spanContext().traceId).toBe(traceId);
    expect(decide!.parentSpanContext?.spanId).toBe(sentCommand!.spanContext().spanId);
    expect(decide!.links.map((l) => l.context.spanId)).toEqual([batch.spanContext().spanId]);
    expect(decide!.attributes).toMatchObject({ 'messaging.kafka.offset': 41 });
    expect(sentEvent!.spanContext().traceId).toBe(traceId);
    expect(sentEvent!.parentSpanContext?.spanId).toBe(decide!.spanContext().spanId);

    // The batch span is a root in its own trace, linked to the one record that had a context.
    expect(batchSpan!.parentSpanContext).toBeUndefined();
    expect(batchSpan!.spanContext().traceId).not.toBe(traceId);
    expect(batchSpan!.links.map((l) => l.context.spanId)).toEqual([
      sentCommand!.spanContext().spanId,
    ]);
    expect(batchSpan!.attributes).toMatchObject({
      'messaging.batch.message_count': 3,
      'messaging.consumer.group.name': 'processors',
    });
  });

  it('makes no record span for a record without trace context', () => {
    tracing = inMemoryTracing();
    const record = { topic: 'events', partition: 0, offset: '0' };
    expect(startRecordSpan(tracing.tracer, 'apply', { ...record, headers: undefined })).toBe(
      undefined,
    );
    expect(startRecordSpan(tracing.tracer, 'apply', { ...record, headers: {} })).toBe(undefined);
  });

  it('writes no headers while tracing is off (the API has no SDK)', () => {
    tracing = inMemoryTracing();
    const { headers, span } = startSendSpan(trace.getTracer('off'), { topic: 'events' });
    span.end();
    expect(headers).toEqual({});
  });
});
