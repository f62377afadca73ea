import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createAuditApp, createAuditMetrics, SqliteAuditStore } from '@tally/audit';
import { createIntakeApp, type CommandGateway } from '@tally/intake';
import { createApp, createProjectorMetrics, SqliteStore } from '@tally/projector';
import {
  createLogger,
  createMetricsRegistry,
  OPEN_PATHS,
  SCOPES,
  type ReadinessCheck,
} from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { scratchDir } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The three services answer problems, readiness and refusals in one shape: the kit's, whoever
// serves them; and every operation their documents describe is guarded as documented.

const scratch = scratchDir('service-shapes');
const logger = createLogger('shapes', 'silent');
let ready = false;
const readiness: ReadinessCheck[] = [{ name: 'work', check: () => ready || 'not caught up yet' }];
const noCommands: CommandGateway = {
  answerOf: () => undefined,
  pendingAccountOf: () => undefined,
  submit: async () => undefined,
  transferOf: () => undefined,
  waitForTransfer: async () => undefined,
  holdOf: () => undefined,
};
const issuer = await testIssuer();
const verifier = await issuer.verifier();
/** Every scope, not limited to accounts: the shapes below are those of an admitted caller. */
const token = await issuer.token({ scopes: Object.values(SCOPES) });
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
      verifier,
      rateLimit: { limit: 0, windowMs: 60_000 },
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
      verifier,
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
      projector: {
        url: 'http://127.0.0.1:9',
        tokens: issuer.tokenSource({ clientId: 'svc-audit', scopes: [SCOPES.ledgerRead] }),
      },
      verifier,
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

/** A request as the all-scopes caller, or with `bearer` (null: no Authorization header). */
async function call(
  name: string,
  path: string,
  init: RequestInit = {},
  bearer: string | null = token,
) {
  const headers = new Headers(init.headers);
  if (bearer !== null) headers.set('authorization', `Bearer ${bearer}`);
  const res = await fetch(`${servers.get(name)?.base}${path}`, { ...init, headers });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    challenge: res.headers.get('www-authenticate') ?? '',
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

// ---- Every documented operation, as each kind of caller ----

interface DocumentedOperation {
  readonly method: string;
  readonly path: string;
  readonly security: readonly Record<string, readonly string[]>[];
  readonly 'x-tally-account-limit'?: 'one' | 'all';
}

/** A request that passes each operation's validation, on account acc-1. */
const SAMPLES: Record<string, { query?: string; body?: unknown }> = {
  'POST /accounts': { body: { accountId: 'acc-1', owner: 'Ada', currency: 'EUR' } },
  'POST /accounts/{accountId}/deposits': { body: { amount: 1, currency: 'EUR' } },
  'POST /accounts/{accountId}/withdrawals': { body: { amount: 1, currency: 'EUR' } },
  'POST /transfers': { body: { from: 'acc-1', to: 'acc-3', amount: 1, currency: 'EUR' } },
  'POST /accounts/{accountId}/holds': {
    body: { amount: 1, currency: 'EUR', expiresAt: '2030-01-01T00:00:00Z' },
  },
  'POST /accounts/{accountId}/holds/{holdId}/capture': { body: { amount: 1, currency: 'EUR' } },
  'POST /audit/digests/check': { body: { chains: [] } },
  'GET /reports/statement': { query: '?account=acc-1&from=2026-03-01&to=2026-03-02' },
  'GET /reports/daily': { query: '?date=2026-03-01' },
};

async function documented(name: string): Promise<DocumentedOperation[]> {
  const document = (await call(name, '/openapi.json', {}, null)).body as {
    paths: Record<string, Record<string, Omit<DocumentedOperation, 'method' | 'path'>>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      ...operation,
      method: method.toUpperCase(),
      path,
    })),
  );
}

function request(op: DocumentedOperation): { path: string; init: RequestInit } {
  const sample = SAMPLES[`${op.method} ${op.path}`] ?? {};
  const path =
    op.path
      .replace('{id}', 'acc-1')
      .replace('{accountId}', 'acc-1')
      .replace(/\{(commandId|transferId|holdId)\}/, '00000000-0000-4000-8000-000000000000')
      .replace('{sequence}', '1')
      .replace('{chain}', encodeURIComponent('bank.account-events.v1/0'))
      .replace('{seq}', '1') + (sample.query ?? '');
  return {
    path,
    init: {
      method: op.method,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'shape-1' },
      ...(sample.body === undefined ? {} : { body: JSON.stringify(sample.body) }),
    },
  };
}

const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

describe.each(apps.map((a) => [a.name] as const))('%s: every documented operation', (name) => {
  it('is open (probes, metrics, the document), or needs a bearer token with a named scope', async () => {
    const operations = await documented(name);
    expect(operations.length).toBeGreaterThan(5);
    for (const op of operations) {
      const scopes = op.security[0]?.['bearerAuth'];
      if (op.security.length === 0) {
        expect(OPEN_PATHS, `${op.method} ${op.path}`).toContain(op.path);
        const { path, init } = request(op);
        expect((await fetch(`${servers.get(name)?.base}${path}`, init)).status).toBeLessThan(500);
      } else {
        expect(scopes?.length, `${op.method} ${op.path}`).toBeGreaterThan(0);
      }
    }
  });

  it('refuses a missing, expired, wrong-audience, wrong-algorithm or wrong-scope token', async () => {
    const now = Date.now();
    for (const op of (await documented(name)).filter((o) => o.security.length > 0)) {
      const what = `${op.method} ${op.path}`;
      const needed = op.security[0]?.['bearerAuth'] ?? [];
      const { path, init } = request(op);
      const invalid = {
        expired: await issuer.token({ scopes: needed, ttlSeconds: 60, now: now - 3_600_000 }),
        'another audience': await issuer.token({ scopes: needed, audience: 'another-api' }),
        'another issuer': await issuer.token({ scopes: needed, issuer: 'https://evil.test' }),
        'alg none': await issuer.forged('none', { scopes: needed }),
        'HS256 keyed with the public key': await issuer.forged('HS256', { scopes: needed }),
      };

      const missing = await call(name, path, init, null);
      expect(missing.status, `${what} without a token`).toBe(401);
      expect(missing.body['code']).toBe('UNAUTHENTICATED');
      expect(missing.challenge).toBe('Bearer');
      for (const [kind, bad] of Object.entries(invalid)) {
        const refused = await call(name, path, init, bad);
        expect(refused.status, `${what} with a token: ${kind}`).toBe(401);
        expect(refused.body['code']).toBe('INVALID_TOKEN');
        expect(refused.challenge).toMatch(/^Bearer error="invalid_token", error_description="/);
        expect(refused.type).toContain('application/problem+json');
      }

      const otherScopes = ALL_SCOPES.filter((s) => !needed.includes(s));
      const wrongScope = await call(name, path, init, await issuer.token({ scopes: otherScopes }));
      expect(wrongScope.status, `${what} with ${otherScopes.join(' ')}`).toBe(403);
      expect(wrongScope.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      expect(wrongScope.challenge).toContain(`scope="${needed.join(' ')}"`);

      // Each documented scope alone is enough: the request gets past authorization.
      for (const scope of needed) {
        const admitted = await call(name, path, init, await issuer.token({ scopes: [scope] }));
        expect([401, 403], `${what} with ${scope}: ${JSON.stringify(admitted.body)}`).not.toContain(
          admitted.status,
        );
      }
    }
  });

  it('refuses account-limited tokens as documented: other accounts, and reports over all', async () => {
    for (const op of (await documented(name)).filter((o) => o.security.length > 0)) {
      const limit = op['x-tally-account-limit'];
      const { path, init } = request(op);
      const needed = op.security[0]?.['bearerAuth'] ?? [];
      const elsewhere = await issuer.token({ scopes: needed, accounts: ['acc-2'] });
      const refused = await call(name, path, init, elsewhere);
      const what = `${op.method} ${op.path} limited to acc-2`;
      if (limit === 'all') {
        expect(refused.body, what).toMatchObject({ status: 403, code: 'ACCOUNT_LIMITED_TOKEN' });
      } else if (op.path.includes('{commandId}') || op.path.includes('{transferId}')) {
        // Found by another id: answered like an unknown command.
        expect(refused.status, what).toBe(404);
      } else {
        expect(limit, what).toBe('one');
        expect(refused.body, what).toMatchObject({
          status: 403,
          code: 'ACCOUNT_FORBIDDEN',
          accountId: 'acc-1',
        });
      }
    }
  });
});
