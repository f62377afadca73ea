import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { serve } from './serve.js';

const logger = createLogger('serve-test', 'silent');
const hello = (_req: unknown, res: { end: (body: string) => void }) => res.end('hello');

function recorder() {
  const calls: string[] = [];
  let exited: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (exited = resolve));
  return {
    calls,
    exitCode,
    options: {
      name: 'test',
      logger,
      shutdownTimeoutMs: 5_000,
      signals: [] as NodeJS.Signals[],
      exit: (code: number) => exited(code),
      steps: [{ name: 'consumers', run: async () => void calls.push('consumers stopped') }],
    },
  };
}

describe('serve', () => {
  it('listens, and a graceful shutdown closes the server, runs the steps and exits 0', async () => {
    const r = recorder();
    const running = await serve({ ...r.options, app: hello, port: 0, host: '127.0.0.1' });
    const { port } = running.server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
    await running.shutdown();
    expect(await r.exitCode).toBe(0);
    expect(r.calls).toEqual(['consumers stopped']);
    expect(running.server.listening).toBe(false);
  });

  it('exits 1 through the shutdown steps when the port is taken, instead of running without a server', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const r = recorder();
    try {
      await expect(serve({ ...r.options, app: hello, port, host: '127.0.0.1' })).rejects.toThrow(
        /EADDRINUSE/,
      );
      expect(await r.exitCode).toBe(1);
      expect(r.calls).toEqual(['consumers stopped']);
    } finally {
      taken.close();
    }
  });

  it('exits 1 when shut down because of a failure, even if every step succeeds', async () => {
    const r = recorder();
    const running = await serve({ ...r.options, app: hello, port: 0, host: '127.0.0.1' });
    await running.shutdown(new Error('consumer crashed'));
    expect(await r.exitCode).toBe(1);
    expect(r.calls).toEqual(['consumers stopped']);
  });

  it('flushes the spans as the last shutdown step', async () => {
    const steps: string[] = [];
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const line = JSON.parse(chunk.toString()) as { step?: string };
        if (line.step !== undefined) steps.push(line.step);
        done();
      },
    });
    const r = recorder();
    const running = await serve({
      ...r.options,
      logger: createLogger('serve-test', 'info', lines),
      app: hello,
      port: 0,
      host: '127.0.0.1',
    });
    await running.shutdown();
    expect(await r.exitCode).toBe(0);
    expect(steps).toEqual(['http', 'consumers', 'tracing']);
  });
});
