import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startOtlpReceiver,
  startTracedProcess,
  type OtlpReceiver,
  type TracedProcess,
} from '../src/testing/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';

const started: TracedProcess[] = [];

/** Starts the fixture the way a service starts: the register module first, then the app. */
async function startApp(env: Record<string, string>): Promise<{ app: TracedProcess; url: string }> {
  const app = startTracedProcess('test/fixtures/traced-app.ts', { cwd: packageDir, env });
  started.push(app);
  const { port } = await app.waitForLine((line) => line.msg === 'listening');
  return { app, url: `http://127.0.0.1:${port as number}` };
}

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
// A failed assertion must not leave the fixture running.
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.stop()));
  await receiver.close();
});

describe('@tally/telemetry/register', () => {
  it('traces HTTP, the express route and pg in one trace, logs its ids, flushes on shutdown', async () => {
    const { app, url } = await startApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Longer than the test: only the shutdown flush can deliver the spans.
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    await (await fetch(`${url}/healthz`)).json();
    const res = await fetch(`${url}/orders/7`, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-correlation-id': 'corr-7' },
    });
    expect(await res.json()).toEqual({ id: 7, tracing: true });
    expect(receiver.spans()).toEqual([]);

    expect(await app.stop()).toBe(0);
    const spans = receiver.spans();
    const server = spans.find((span) => span.kind === 2);
    expect(server).toMatchObject({
      service: 'tally-telemetry',
      traceId,
      parentSpanId: callerSpanId,
      attributes: { 'http.route': '/orders/:id' },
    });
    const handler = spans.find((span) => span.attributes['express.type'] === 'request_handler');
    expect(handler).toMatchObject({ traceId, attributes: { 'http.route': '/orders/:id' } });
    const query = spans.find((span) => span.attributes['db.query.text'] === 'SELECT $1::int AS id');
    expect(query).toMatchObject({ traceId, kind: 3 });
    // Probes are not traced; middleware layers are not spans.
    expect(spans.filter((span) => span.kind === 2)).toHaveLength(1);
    expect(spans.filter((span) => span.attributes['express.type'] === 'middleware')).toEqual([]);

    const logged = app.lines.find((line) => line.msg === 'order read');
    expect(logged).toMatchObject({ trace_id: traceId, correlationId: 'corr-7' });
    expect(logged?.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['no OTEL variable', {}],
    ['OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: '' }],
  ])('starts nothing with %s', async (_what, env: Record<string, string>) => {
    const { app, url } = await startApp(
      'OTEL_EXPORTER_OTLP_ENDPOINT' in env
        ? {
            ...env,
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          }
        : env,
    );
    const res = await fetch(`${url}/orders/8`, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-correlation-id': 'corr-8' },
    });
    expect(await res.json()).toEqual({ id: 8, tracing: false });
    expect(await app.stop()).toBe(0);
    expect(receiver.spans()).toEqual([]);
    const logged = app.lines.find((line) => line.msg === 'order read');
    expect(logged).toMatchObject({ correlationId: 'corr-8' });
    expect(logged).not.toHaveProperty('trace_id');
  });
});
