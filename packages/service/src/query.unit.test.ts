import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from './http.js';
import { createLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { intParam, stringParam } from './query.js';

const app = createHttpApp({
  logger: createLogger('query-test', 'silent'),
  metrics: createMetricsRegistry('query-test'),
  routes: (router) => {
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

const get = async (query: string) => {
  const res = await fetch(`${base}/page${query}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('query parameters', () => {
  it('reads integers and strings, with defaults for absent ones', async () => {
    expect(await get('')).toEqual({ status: 200, body: { limit: 10, after: null, name: null } });
    expect((await get('?limit=5&after=0&name=x')).body).toEqual({ limit: 5, after: 0, name: 'x' });
  });

  it.each([
    ['?limit=0', 'limit', 'between 1 and 100'],
    ['?limit=abc', 'limit', 'must be an integer'],
    ['?limit=1e3', 'limit', 'must be an integer'],
    ['?after=-1', 'after', 'between 0 and 1000'],
    ['?limit=99999999999999999999', 'limit', 'must be an integer'],
    ['?name=a&name=b', 'name', 'given once'],
  ])('answers %s with a 400 problem naming the parameter', async (query, name, reason) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'INVALID_PARAMETER' });
    expect(body['invalid-params']).toEqual([
      { name, reason: expect.stringContaining(reason) as unknown },
    ]);
  });
});
