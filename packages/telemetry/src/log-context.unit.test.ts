import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { pino, type LoggerOptions } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { logContextFields, logScope, setLogCorrelationId, withLogContext } from './log-context.js';
import { inMemoryTracing, type InMemoryTracing } from './testing/index.js';

function capture(options: LoggerOptions = {}) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ ...options, mixin: logContextFields }, stream) };
}

let tracing: InMemoryTracing | undefined;
afterEach(async () => {
  await tracing?.stop();
  tracing = undefined;
});

describe('logContextFields', () => {
  it('adds nothing outside a request or record', () => {
    const { lines, logger } = capture();
    logger.info('start');
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('correlationId');
  });

  it('adds the correlation id across awaits, also with tracing off', async () => {
    const { lines, logger } = capture();
    await withLogContext({ correlationId: 'c-1' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('inside');
    });
    logger.info('after');
    expect(lines[0]).toMatchObject({ correlationId: 'c-1' });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).not.toHaveProperty('correlationId');
  });

  it('takes a correlation id named later by the handler, for the rest of the request', async () => {
    const { lines, logger } = capture();
    await withLogContext({}, async () => {
      logger.info('before');
      setLogCorrelationId('generated');
      await Promise.resolve();
      logger.info('after');
    });
    expect(lines[0]).not.toHaveProperty('correlationId');
    expect(lines[1]).toMatchObject({ correlationId: 'generated' });
  });

  it("keeps one correlation id across the pieces of a record's work (a log scope)", () => {
    const { lines, logger } = capture();
    const first = logScope();
    const second = logScope();
    first.run(() => setLogCorrelationId('c-first'));
    second.run(() => logger.info('other record'));
    first.run(() => logger.info('first record, later'));
    second.setCorrelationId('c-second');
    second.run(() => logger.info('other record, named from outside'));
    logger.info('outside');
    expect(lines[0]).not.toHaveProperty('correlationId');
    expect(lines[1]).toMatchObject({ correlationId: 'c-first' });
    expect(lines[2]).toMatchObject({ correlationId: 'c-second' });
    expect(lines[3]).not.toHaveProperty('correlationId');
  });

  it('adds trace and span ids of the active span', () => {
    tracing = inMemoryTracing({ global: true });
    const { lines, logger } = capture();
    const span = tracing.tracer.startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => {
      withLogContext({ correlationId: 'c-2' }, () => logger.info('traced'));
    });
    span.end();
    expect(lines[0]).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      trace_flags: '01',
      correlationId: 'c-2',
    });
  });

  it('composes with redaction, and a field of the log call wins', () => {
    tracing = inMemoryTracing({ global: true });
    const { lines, logger } = capture({
      redact: { paths: ['req.headers.authorization', 'correlationId'], censor: '[redacted]' },
    });
    const span = tracing.tracer.startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => {
      withLogContext({ correlationId: 'c-3' }, () => {
        logger.info({ req: { headers: { authorization: 'Bearer secret' } } }, 'redacted');
        logger.info({ trace_id: 'explicit' }, 'own field');
      });
    });
    span.end();
    expect(lines[0]).toMatchObject({
      trace_id: span.spanContext().traceId,
      correlationId: '[redacted]',
      req: { headers: { authorization: '[redacted]' } },
    });
    expect(JSON.stringify(lines[0])).not.toContain('secret');
    expect(lines[1]).toMatchObject({ trace_id: 'explicit' });
  });
});
