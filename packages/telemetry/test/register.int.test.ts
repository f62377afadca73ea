import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../src/testing/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts the fixture the way a service starts: the register module first, then the app. */
async function startApp(env: Record<string, string>): Promise<Running> {
  const own = /^OTEL_/;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !own.test(name)),
  );
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@tally/source',
      '--import',
      '@tally/telemetry/register',
      'test/fixtures/traced-app.ts',
    ],
    { cwd: packageDir, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line));
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await until('the fixture to listen', () => {
      if (child.exitCode !== null) throw new Error(`fixture exited: ${stderr}`);
      return lines.some((line) => line.msg === 'listening');
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const port = lines.find((line) => line.msg === 'listening')?.port as number;
  return { child, url: `http://127.0.0.1:${port}`, lines, exited };
}

async function stop(app: Running): Promise<number | null> {
  app.child.kill('SIGTERM');
  return app.exited;
}

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(() => receiver.close());

describe('@tally/telemetry/register', () => {
  it('traces HTTP, the express route and pg in one trace, logs its ids, flushes on shutdown', async () => {
    const app = await startApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Longer than the test: only the shutdown flush can deliver the spans.
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    await (await fetch(`${app.url}/healthz`)).json();
    const res = await fetch(`${app.url}/orders/7`, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-correlation-id': 'corr-7' },
    });
    expect(await res.json()).toEqual({ id: 7, tracing: true });
    expect(receiver.spans()).toEqual([]);

    expect(await stop(app)).toBe(0);
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
    const app = await startApp(
      'OTEL_EXPORTER_OTLP_ENDPOINT' in env
        ? {
            ...env,
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          }
        : env,
    );
    const res = await fetch(`${app.url}/orders/8`, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-correlation-id': 'corr-8' },
    });
    expect(await res.json()).toEqual({ id: 8, tracing: false });
    expect(await stop(app)).toBe(0);
    expect(receiver.spans()).toEqual([]);
    const logged = app.lines.find((line) => line.msg === 'order read');
    expect(logged).toMatchObject({ correlationId: 'corr-8' });
    expect(logged).not.toHaveProperty('trace_id');
  });
});
