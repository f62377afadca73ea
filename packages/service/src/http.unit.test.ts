import { connect, createServer, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { createHttpApp } from './http.js';
import { createLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { HttpProblem } from './problem.js';
import { intParam, stringParam } from './query.js';

let ready: true | string = 'still catching up';

/** The error of a connection to a port nobody listens on. */
async function refusedConnection(): Promise<unknown> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  return new Promise((resolve) => connect(port, '127.0.0.1').once('error', resolve));
}
const metrics = createMetricsRegistry('kit-test');
const hits = new Counter({ name: 'kit_hits_total', help: 'hits', registers: [metrics] });
const app = createHttpApp({
  logger: createLogger('kit-test', 'silent'),
  metrics,
  bodyLimit: 100,
  readiness: [{ name: 'caught-up', check: () => ready }],
  routes: (router) => {
    router.post('/echo', (req, res) => {
      hits.inc();
      res.json(req.body);
    });
    router.get('/refuse', () => {
      throw new HttpProblem(409, 'SOME_RULE', 'Some rule', 'a rule was broken', { field: 'x' });
    });
    // What a store's driver throws while its server is stopped: a refused connection.
    router.get('/store-down', async () => {
      throw await refusedConnection();
    });
    // A client that gave up after its retries, the refused connection as its cause.
    router.get('/broker-down', async () => {
      throw new Error('gave up after 5 retries', { cause: await refusedConnection() });
    });
    // A client that gave up while the cluster had no leader: the cause says to try again later.
    router.get('/no-leader', () => {
      const noLeader = Object.assign(new Error('no leader: a leadership election'), {
        type: 'LEADER_NOT_AVAILABLE',
        retriable: true,
      });
      throw Object.assign(new Error('gave up after 8 retries', { cause: noLeader }), {
        retriable: false,
      });
    });
    router.get('/bug', () => {
      throw new Error('secret internals');
    });
    router.get('/page', (req, res) => {
      res.json({
        limit: intParam(req, 'limit', { min: 1, max: 100, fallback: 10 }),
        after: intParam(req, 'after', { min: 0, max: 1_000 }) ?? null,
        name: stringParam(req, 'name') ?? null,
      });
    });
  },
});
let server: Server;
let base: string;

beforeAll(async () => {
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const json = { 'content-type': 'application/json' };

async function call(path: string, init?: RequestInit) {
  const res = await fetch(base + path, init);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

describe('createHttpApp', () => {
  it('answers /healthz and drives /readyz by its checks', async () => {
    expect((await call('/healthz')).status).toBe(200);
    expect(await call('/readyz')).toMatchObject({
      status: 503,
      body: { ready: false, checks: { 'caught-up': 'still catching up' } },
    });
    ready = true;
    expect(await call('/readyz')).toMatchObject({ status: 200, body: { ready: true } });
  });

  it('maps an HttpProblem to problem+json with its code and extensions', async () => {
    const res = await call('/refuse');
    expect(res.status).toBe(409);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 409, code: 'SOME_RULE', field: 'x' });
  });

  it('hides internals of unexpected errors behind a 500 problem', async () => {
    const res = await call('/bug');
    expect(res).toMatchObject({ status: 500, body: { code: 'INTERNAL' } });
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });

  it.each(['/store-down', '/broker-down', '/no-leader'])(
    'answers 503 with Retry-After, not 500, while a dependency does not answer (%s)',
    async (path) => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    },
  );

  it.each([
    ['malformed JSON', '{"a":', 400, 'MALFORMED_JSON'],
    ['an oversized body', JSON.stringify({ a: 'x'.repeat(200) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['JSON nested too deep', `${'['.repeat(40)}${']'.repeat(40)}`, 400, 'JSON_TOO_DEEP'],
  ])('answers %s with a 4xx problem', async (_what, body, status, code) => {
    const res = await call('/echo', { method: 'POST', body, headers: json });
    expect(res).toMatchObject({ status, body: { code } });
  });

  it.each(['text/plain', 'application/xml', 'multipart/form-data; boundary=x'])(
    'answers a %s body with 415',
    async (type) => {
      const res = await call('/echo', {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': type },
      });
      expect(res).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    },
  );

  it('takes application/json and any +json type', async () => {
    for (const type of ['application/json', 'application/merge-patch+json; charset=utf-8']) {
      const res = await call('/echo', {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': type },
      });
      expect(res).toMatchObject({ status: 200, body: { a: 1 } });
    }
  });

  it('answers another method on its own paths with 405 and Allow', async () => {
    const res = await fetch(`${base}/readyz`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers unknown routes with a 404 problem', async () => {
    expect(await call('/nope')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('serves the app registry on /metrics', async () => {
    await call('/echo', { method: 'POST', body: '{}', headers: json });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/kit_hits_total\{service="kit-test"\} [1-9]/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

const page = async (query: string) => {
  const res = await fetch(`${base}/page${query}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('query parameters', () => {
  it('reads integers and strings, with defaults for absent ones', async () => {
    expect(await page('')).toEqual({ status: 200, body: { limit: 10, after: null, name: null } });
    expect((await page('?limit=5&after=0&name=x')).body).toEqual({ limit: 5, after: 0, name: 'x' });
  });

  it.each([
    ['?limit=0', 'limit', 'between 1 and 100'],
    ['?limit=abc', 'limit', 'must be an integer'],
    ['?limit=1e3', 'limit', 'must be an integer'],
    ['?after=-1', 'after', 'between 0 and 1000'],
    ['?limit=99999999999999999999', 'limit', 'must be an integer'],
    ['?name=a&name=b', 'name', 'given once'],
  ])('answers %s with a 400 problem naming the parameter', async (query, name, reason) => {
    const { status, body } = await page(query);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'INVALID_PARAMETER' });
    expect(body['invalid-params']).toEqual([
      { name, reason: expect.stringContaining(reason) as unknown },
    ]);
  });
});
