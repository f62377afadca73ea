import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createAuditApp, createAuditMetrics, SqliteAuditStore } from '@tally/audit';
import { createIntakeApp, type CommandGateway } from '@tally/intake';
import { createApp, createProjectorMetrics, SqliteStore } from '@tally/projector';
import { createLogger, createMetricsRegistry, type ReadinessCheck } from '@tally/service';
import { scratchDir } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The three services answer problems and readiness in one shape: the kit's, whoever serves them.

const scratch = scratchDir('service-shapes');
const logger = createLogger('shapes', 'silent');
let ready = false;
const readiness: ReadinessCheck[] = [{ name: 'work', check: () => ready || 'not caught up yet' }];
const noCommands: CommandGateway = {
  answerOf: () => undefined,
  isPending: () => false,
  submit: async () => undefined,
};
const projectorStore = SqliteStore.open(join(scratch.dir, 'projector.sqlite'));
const auditStore = SqliteAuditStore.open(join(scratch.dir, 'audit.sqlite'));

/** Each app, and a request that is a bad parameter or body for it. */
const apps: {
  name: string;
  app: { listen(port: number, host: string): Server };
  bad: { path: string; init?: RequestInit };
}[] = [
  {
    name: 'intake',
    app: createIntakeApp({
      gateway: noCommands,
      logger,
      metrics: createMetricsRegistry('intake'),
      readiness,
    }),
    bad: {
      path: '/accounts',
      init: { method: 'POST', body: '{"owner":', headers: { 'content-type': 'application/json' } },
    },
  },
  {
    name: 'projector',
    app: createApp({
      store: projectorStore,
      logger,
      metrics: createProjectorMetrics(createMetricsRegistry('projector')),
      readiness,
    }),
    bad: { path: '/accounts?limit=0' },
  },
  {
    name: 'audit',
    app: createAuditApp({
      store: auditStore,
      logger,
      metrics: createAuditMetrics(),
      projectorUrl: 'http://127.0.0.1:9',
      readiness,
    }),
    bad: { path: '/audit/anomalies?limit=0' },
  },
];

const servers = new Map<string, { server: Server; base: string }>();
beforeAll(async () => {
  for (const { name, app } of apps) {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    servers.set(name, {
      server,
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
  }
});
afterAll(async () => {
  for (const { server } of servers.values()) await new Promise((resolve) => server.close(resolve));
  await projectorStore.close();
  await auditStore.close();
  scratch.remove();
});

async function call(name: string, path: string, init?: RequestInit) {
  const res = await fetch(`${servers.get(name)?.base}${path}`, init);
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: (await res.json()) as Record<string, unknown>,
  };
}

const PROBLEM_MEMBERS = ['code', 'detail', 'instance', 'status', 'title', 'type'];

describe.each(apps.map((a) => [a.name, a] as const))('%s', (name, { bad }) => {
  it('answers an unknown route with the kit’s 404 problem', async () => {
    const res = await call(name, '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toEqual({
      type: 'urn:tally:problem:not-found',
      title: 'Not found',
      status: 404,
      code: 'NOT_FOUND',
      detail: 'no route for GET /no/such/route',
      instance: '/no/such/route',
      method: 'GET',
      path: '/no/such/route',
    });
  });

  it('answers a bad request with a 400 problem of the same members, and a stable code', async () => {
    const res = await call(name, bad.path, bad.init);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(PROBLEM_MEMBERS));
    expect(res.body['type']).toBe(
      `urn:tally:problem:${String(res.body['code']).toLowerCase().replaceAll('_', '-')}`,
    );
    expect(res.body['instance']).toBe(bad.path);
  });

  it('reports readiness as { ready, checks }: 503 naming what is not ready, then 200', async () => {
    ready = false;
    const notReady = await call(name, '/readyz');
    expect(notReady.status).toBe(503);
    expect(Object.keys(notReady.body).sort()).toEqual(['checks', 'ready']);
    expect(notReady.body['ready']).toBe(false);
    expect(notReady.body['checks']).toMatchObject({ work: 'not caught up yet' });
    ready = true;
    const isReady = await call(name, '/readyz');
    expect(isReady.status).toBe(200);
    expect(isReady.body['ready']).toBe(true);
    expect(Object.values(isReady.body['checks'] as object).every((v) => v === 'ok')).toBe(true);
    expect(await call(name, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});
