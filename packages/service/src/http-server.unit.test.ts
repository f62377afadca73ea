import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeHttpServer } from './http-server.js';

function get(port: number, agent: Agent): Promise<{ status: number; connection: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection ?? '' }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('closeHttpServer', () => {
  it('finishes in-flight requests and closes busy keep-alive connections', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const server = createServer((req, res) => {
      if (req.headers['x-slow']) void slow.then(() => res.end('slow'));
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });

    expect(await get(port, agent)).toEqual({ status: 200, connection: 'keep-alive' });
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', headers: { 'x-slow': '1' }, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise((resolve) => server.once('request', resolve));

    // A busy keep-alive client: without `Connection: close` it would hold the server open forever.
    const busy = (async () => {
      for (;;) {
        const answer = await get(port, agent).catch(() => undefined);
        if (answer === undefined || answer.connection === 'close') return;
      }
    })();
    const closed = closeHttpServer(server);
    release();
    expect(await inFlight).toBe(200);
    await closed;
    await busy;
    expect(server.listening).toBe(false);
    await expect(get(port, new Agent())).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});
