import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../http.js';
import { createLogger } from '../logger.js';
import { createMetricsRegistry } from '../metrics.js';
import { rateLimitPerCaller } from '../rate-limit.js';
import { testIssuer, type TestIssuer } from '../testing/index.js';
import { requireAccount } from './authorization.js';
import { inlineKeys, remoteKeys } from './keys.js';
import { authenticate, principalOf, requireScope } from './middleware.js';
import { actorOf, SCOPES } from './principal.js';
import { createTokenVerifier } from './verifier.js';

let issuer: TestIssuer;
let server: Server;
let base: string;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  issuer = await testIssuer();
  const verifier = createTokenVerifier({
    issuer: issuer.issuer,
    audience: [issuer.audience],
    keys: await inlineKeys(issuer.env['AUTH_PUBLIC_KEYS']!),
  });
  const logger = createLogger('auth-test', 'info', {
    write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const app = createHttpApp({
    logger,
    metrics: createMetricsRegistry('auth-test'),
    routes: (router) => {
      router.get('/openapi.json', (_req, res) => {
        res.json({ openapi: '3.1.0' });
      });
      router.use(authenticate(verifier));
      router.post(
        '/accounts/:id/deposits',
        requireScope(SCOPES.ledgerWrite),
        rateLimitPerCaller({ limit: 3, windowMs: 60_000 }),
        (req, res) => {
          const principal = principalOf(req);
          requireAccount(principal, String(req.params['id']));
          res.status(201).json({ actor: actorOf(principal) });
        },
      );
      router.get(
        '/commands/:id',
        requireScope(SCOPES.ledgerRead, SCOPES.ledgerWrite),
        (req, res) => {
          res.json({ subject: principalOf(req).subject });
        },
      );
      router.get('/owners/:id', requireScope(SCOPES.ledgerRead), (req, res) => {
        req.log.info({ account: { owner: 'Ada Lovelace' } }, 'owner looked up');
        res.json({ ok: true });
      });
    },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function call(path: string, init: RequestInit & { token?: string } = {}) {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(base + path, { ...rest, headers });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    challenge: res.headers.get('www-authenticate'),
    retryAfter: res.headers.get('retry-after'),
    body: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown>,
  };
}

const deposit = (account: string, token?: string) =>
  call(`/accounts/${account}/deposits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    ...(token === undefined ? {} : { token }),
  });

describe('authenticate through createHttpApp', () => {
  it('keeps health, readiness, metrics and the API description open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await fetch(base + path)).status, path).toBe(200);
    }
  });

  it('answers a request without a token 401 with a bare Bearer challenge', async () => {
    const res = await deposit('acc-1');
    expect(res.status).toBe(401);
    expect(res.type).toContain('application/problem+json');
    expect(res.challenge).toBe('Bearer');
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('answers another scheme 401, and unknown routes too (no route map for strangers)', async () => {
    const basic = await call('/accounts/acc-1/deposits', {
      method: 'POST',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic).toMatchObject({ status: 401, challenge: 'Bearer' });
    expect((await call('/no/such/route')).status).toBe(401);
  });

  it('answers an invalid token 401 with error="invalid_token" and a description', async () => {
    const expired = await issuer.token({
      scopes: ['ledger:write'],
      ttlSeconds: 60,
      now: Date.now() - 3_600_000,
    });
    const res = await deposit('acc-1', expired);
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(
      'Bearer error="invalid_token", error_description="the token expired"',
    );
    expect(res.body).toMatchObject({ code: 'INVALID_TOKEN', detail: 'the token expired' });
    expect(JSON.stringify(res.body)).not.toContain(expired);

    const wrongAudience = await issuer.token({ scopes: ['ledger:write'], audience: 'elsewhere' });
    expect((await deposit('acc-1', wrongAudience)).challenge).toContain(
      'error_description="the token is meant for another audience"',
    );
  });

  it('answers a malformed Authorization header 400 invalid_request', async () => {
    for (const authorization of ['Bearer', 'Bearer two tokens', 'Bearer "quoted"']) {
      const res = await call('/accounts/acc-1/deposits', {
        method: 'POST',
        headers: { authorization },
      });
      expect(res.status, authorization).toBe(400);
      expect(res.challenge).toMatch(/^Bearer error="invalid_request"/);
      expect(res.body).toMatchObject({ code: 'INVALID_AUTHORIZATION' });
    }
  });

  it('never takes a token from the query string', async () => {
    const token = await issuer.token({ scopes: ['ledger:read'] });
    const res = await call(`/commands/c-1?access_token=${token}`);
    expect(res).toMatchObject({ status: 400, body: { code: 'INVALID_AUTHORIZATION' } });
  });

  it('answers a token without the scope 403 with an insufficient_scope challenge', async () => {
    const readOnly = await issuer.token({ scopes: ['ledger:read', 'audit:read'] });
    const res = await deposit('acc-1', readOnly);
    expect(res.status).toBe(403);
    expect(res.challenge).toBe(
      'Bearer error="insufficient_scope", error_description="this operation needs the scope ledger:write", scope="ledger:write"',
    );
    expect(res.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE', requiredScope: 'ledger:write' });
  });

  it('admits any of several scopes', async () => {
    const writer = await issuer.token({ subject: 'w', scopes: ['ledger:write'] });
    expect(await call('/commands/c-1', { token: writer })).toMatchObject({
      status: 200,
      body: { subject: 'w' },
    });
  });

  it('lets the handler see the caller, and refuses an account outside the token', async () => {
    const customer = await issuer.token({
      subject: 'cust-7',
      clientId: 'mobile-app',
      scopes: ['ledger:write'],
      accounts: ['acc-own'],
    });
    expect(await deposit('acc-own', customer)).toMatchObject({
      status: 201,
      body: { actor: 'cust-7 via mobile-app' },
    });
    expect(await deposit('acc-other', customer)).toMatchObject({
      status: 403,
      body: { code: 'ACCOUNT_FORBIDDEN' },
    });
  });

  it('rate-limits each caller on its own: 429 with Retry-After', async () => {
    const noisy = await issuer.token({ subject: 'noisy', scopes: ['ledger:write'] });
    const quiet = await issuer.token({ subject: 'quiet', scopes: ['ledger:write'] });
    for (let i = 0; i < 3; i += 1) expect((await deposit('acc-1', noisy)).status).toBe(201);
    const limited = await deposit('acc-1', noisy);
    expect(limited.status).toBe(429);
    expect(limited.type).toContain('application/problem+json');
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', limit: 3 });
    expect((await deposit('acc-1', quiet)).status).toBe(201);
  });

  it('logs the caller, never the token, cookies or owner names', async () => {
    const token = await issuer.token({ subject: 'logged-user', scopes: ['ledger:read'] });
    logLines.length = 0;
    await call('/owners/acc-1', { token, headers: { cookie: 'session=abc123' } });
    const text = JSON.stringify(logLines);
    expect(text).not.toContain(token);
    expect(text).not.toContain('abc123');
    expect(text).not.toContain('Ada Lovelace');
    expect(text).toContain('[redacted]');
    const requestLine = logLines.find((line) => line['msg'] === 'request completed');
    expect(requestLine).toMatchObject({ caller: 'logged-user', res: { statusCode: 200 } });
    expect(Object.keys((requestLine?.['req'] as { headers: object }).headers)).not.toContain(
      'authorization',
    );
  });
});

describe('authenticate without its keys', () => {
  it('answers 503 with Retry-After while the JWKS URL cannot be fetched', async () => {
    const verifier = createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      // Port 9 on loopback: nothing listens, the fetch fails at once.
      keys: remoteKeys(new URL('http://127.0.0.1:9/jwks.json'), {
        timeoutMs: 500,
        cacheMaxAgeMs: 60_000,
      }),
    });
    const app = createHttpApp({
      logger: createLogger('auth-test', 'silent'),
      metrics: createMetricsRegistry('auth-test-503'),
      readiness: [verifier.readiness],
      routes: (router) => {
        router.use(authenticate(verifier));
        router.get('/x', (_req, res) => {
          res.json({});
        });
      },
    });
    const local = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => local.once('listening', resolve));
    const url = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
    try {
      const res = await fetch(`${url}/x`, {
        headers: { authorization: `Bearer ${await issuer.token()}` },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ code: 'AUTH_UNAVAILABLE' });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        checks: { 'auth-keys': expect.stringMatching(/cannot be fetched/) as unknown },
      });
    } finally {
      await new Promise((resolve) => local.close(resolve));
    }
  });
});
