import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, startTracedProcess } from '@tally/telemetry/testing';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const traceId = '0af7651916cd43dd8448eb211c80319c';

describe('request log lines of a traced service', () => {
  it('carry trace id, span id and correlation id, the completion line included', async () => {
    const receiver = await startOtlpReceiver();
    const app = startTracedProcess('test/fixtures/kit-app.ts', {
      cwd: packageDir,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
    });
    try {
      const { port } = await app.waitForLine((line) => line.msg === 'listening');
      const base = `http://127.0.0.1:${port as number}`;
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
      await app.waitForLine(() => app.lines.filter((line) => line.res).length === 3);
    } finally {
      await app.stop();
      await receiver.close();
    }

    const working = app.lines.filter((line) => line.msg === 'working');
    const completed = app.lines.filter((line) => line.res);
    for (const line of [working[0], completed[0]]) {
      expect(line).toMatchObject({ trace_id: traceId, correlationId: 'from-client' });
      expect(line?.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    // The correlation id named by the handler reaches the completion line of its request only.
    expect(working[1]).toMatchObject({ correlationId: 'generated-id' });
    expect(completed[1]).toMatchObject({ correlationId: 'generated-id' });
    expect(completed[1]?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(completed[1]?.trace_id).not.toBe(traceId);
    // A malformed header is not taken as the correlation id.
    expect(completed[2]).not.toHaveProperty('correlationId');
    // The server span the log lines name was exported.
    const server = receiver.spans().find((span) => span.kind === 2 && span.traceId === traceId);
    expect(server?.spanId).toBe(completed[0]?.span_id);
  });
});
