import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '@tally/telemetry/testing';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const traceId = '0af7651916cd43dd8448eb211c80319c';

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('request log lines of a traced service', () => {
  it('carry trace id, span id and correlation id, the completion line included', async () => {
    const receiver = await startOtlpReceiver();
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@tally/source',
        '--import',
        '@tally/telemetry/register',
        'test/fixtures/kit-app.ts',
      ],
      {
        cwd: packageDir,
        env: {
          ...inherited,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await until('the fixture to listen', () => lines.some((l) => l.msg === 'listening'));
      const base = `http://127.0.0.1:${lines.find((l) => l.msg === 'listening')?.port as number}`;
      const traced = await fetch(`${base}/work`, {
        method: 'POST',
        headers: {
          traceparent: `00-${traceId}-b7ad6b7169203331-01`,
          'x-correlation-id': 'from-client',
        },
      });
      expect(traced.status).toBe(200);
      const generated = await fetch(`${base}/work`, { method: 'POST' });
      expect(generated.status).toBe(200);
      const bad = await fetch(`${base}/work`, {
        method: 'POST',
        headers: { 'x-correlation-id': 'has spaces' },
      });
      expect(bad.status).toBe(200);
      await until('three completion lines', () => lines.filter((l) => l.res).length === 3);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await receiver.close();
    }

    const [first, second, third] = [0, 1, 2].map((i) => ({
      working: lines.filter((l) => l.msg === 'working')[i],
      completed: lines.filter((l) => l.res)[i],
    }));
    for (const line of [first!.working, first!.completed]) {
      expect(line).toMatchObject({ trace_id: traceId, correlationId: 'from-client' });
      expect(line?.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    // The correlation id named by the handler reaches the completion line of its request only.
    expect(second!.working).toMatchObject({ correlationId: 'generated-id' });
    expect(second!.completed).toMatchObject({ correlationId: 'generated-id' });
    expect(second!.completed?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(second!.completed?.trace_id).not.toBe(traceId);
    // A malformed header is not taken as the correlation id.
    expect(third!.completed).not.toHaveProperty('correlationId');
    // The server span the log lines name was exported.
    const server = receiver.spans().find((span) => span.kind === 2 && span.traceId === traceId);
    expect(server?.spanId).toBe(first!.completed?.span_id);
  });
});
