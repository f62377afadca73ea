import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { logContextFields } from './log-context.js';
import {
  startBatchSpan,
  startRecordSpan,
  startSendSpan,
  startTracedBatch,
  startTracedSends,
} from './messaging.js';
import { currentTraceContext } from './propagation.js';
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

describe('a traced batch', () => {
  function logLines() {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: pino({ mixin: logContextFields }, stream) };
  }

  it("runs each record in its writer's trace and log scope, and ends its spans by the outcome", () => {
    tracing = inMemoryTracing({ global: true });
    const { tracer } = tracing;
    const writers = [0, 1, 2].map((i) => tracer.startSpan(`request ${i}`));
    const sends = startTracedSends(
      tracer,
      'events',
      writers.map((span) => ({ partition: 0, trace: trace.setSpan(ROOT_CONTEXT, span) })),
    );
    sends.end();
    const messages = [
      { offset: '10', headers: sends.headers[0] },
      { offset: '11', headers: undefined },
      { offset: '12', headers: sends.headers[1] },
      { offset: '13', headers: sends.headers[2] },
    ];
    const batch = startTracedBatch(tracer, 'apply', { topic: 'events', partition: 0, messages });
    const { lines, logger } = logLines();
    batch.correlate('10', 'corr-10');
    const seen = messages.map(({ offset }) =>
      batch.run(offset, () => {
        logger.info({ offset }, 'record');
        return trace.getActiveSpan()?.spanContext().traceId;
      }),
    );
    batch.end({ haltedAt: { offset: '12', reason: 'version-gap' } });

    const sent = writers.map((span) => span.spanContext().traceId);
    const batchTrace = trace.getSpanContext(batch.context)?.traceId;
    // Traced records run in their writer's trace; the untraced one in the batch's.
    expect(seen).toEqual([sent[0], batchTrace, sent[1], sent[2]]);
    expect(lines.map((l) => l['trace_id'])).toEqual(seen);
    expect(lines[0]).toMatchObject({ correlationId: 'corr-10' });
    expect(lines[1]).not.toHaveProperty('correlationId');

    const applied = tracing.spans().filter((s) => s.name === 'apply events');
    const byOffset = (offset: number) =>
      applied.find((s) => s.attributes['messaging.kafka.offset'] === offset);
    expect(applied).toHaveLength(4); // three records with trace context, and the batch
    expect(byOffset(10)?.status.code).toBe(SpanStatusCode.UNSET);
    expect(byOffset(12)?.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: 'partition halted on this record: version-gap',
    });
    expect(byOffset(13)?.status.code).toBe(SpanStatusCode.ERROR);
    const batchSpan = applied.find((s) => s.parentSpanContext === undefined)!;
    expect(batchSpan.links).toHaveLength(3);
    expect(batchSpan.attributes).toMatchObject({ 'tally.halted_at_offset': 12 });
  });

  it('marks every span failed when the batch failed, and starts no record span on a rebuild', () => {
    tracing = inMemoryTracing({ global: true });
    const { tracer } = tracing;
    const writer = tracer.startSpan('request');
    const { headers } = startTracedSends(tracer, 'events', [
      { trace: trace.setSpan(ROOT_CONTEXT, writer) },
    ]);
    const messages = [{ offset: '0', headers: headers[0] }];
    const failed = startTracedBatch(tracer, 'append', { topic: 'events', partition: 1, messages });
    failed.end({ error: new Error('database down') });
    failed.end(); // once only
    const rebuild = startTracedBatch(tracer, 'apply', {
      topic: 'events',
      partition: 1,
      messages,
      recordSpans: false,
    });
    rebuild.end();

    const [record, batch, rebuilt] = tracing.spans();
    expect(record?.spanContext().traceId).toBe(writer.spanContext().traceId);
    expect(record?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'database down' });
    expect(batch?.status.code).toBe(SpanStatusCode.ERROR);
    expect(rebuilt?.name).toBe('apply events');
    expect(rebuilt?.parentSpanContext).toBeUndefined();
    expect(rebuilt?.links.map((l) => l.context.spanId)).toEqual([
      tracing.spans()[0]!.parentSpanContext?.spanId,
    ]);
    expect(tracing.spans()).toHaveLength(3);
  });
});

describe('traced sends', () => {
  it('continue the trace each record was made in, not the one active when sending', () => {
    tracing = inMemoryTracing({ global: true });
    const { tracer } = tracing;
    const first = tracer.startSpan('first request');
    const second = tracer.startSpan('second request');
    const made = [first, second].map((span) =>
      context.with(trace.setSpan(ROOT_CONTEXT, span), () => currentTraceContext()),
    );
    const sends = context.with(trace.setSpan(ROOT_CONTEXT, first), () =>
      startTracedSends(tracer, 'commands', [
        { partition: 2, trace: made[0] },
        { partition: 5, trace: made[1] },
        { partition: 1 }, // made where the send runs: the first request
      ]),
    );
    sends.end(new Error('not acknowledged'));
    const spans = tracing.spans();
    expect(spans.map((s) => s.spanContext().traceId)).toEqual([
      first.spanContext().traceId,
      second.spanContext().traceId,
      first.spanContext().traceId,
    ]);
    expect(sends.headers.map((h) => h.traceparent?.split('-')[2])).toEqual(
      spans.map((s) => s.spanContext().spanId),
    );
    expect(spans.every((s) => s.status.code === SpanStatusCode.ERROR)).toBe(true);
  });

  it('write no span and no header for a record made outside any trace', () => {
    tracing = inMemoryTracing({ global: true });
    const sends = startTracedSends(tracing.tracer, 'events', [{ partition: 0 }], ROOT_CONTEXT);
    sends.end();
    expect(sends.headers).toEqual([{}]);
    expect(tracing.spans()).toHaveLength(0);
  });
});
