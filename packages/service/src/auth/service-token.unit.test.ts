import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { testIssuer, type TestIssuer } from '../testing/index.js';
import { inlineKeys } from './keys.js';
import {
  clientCredentialsTokenSource,
  serviceTokenEnv,
  serviceTokenSourceFromConfig,
  TokenSourceError,
} from './service-token.js';
import { createTokenVerifier } from './verifier.js';

/** A minimal OAuth token endpoint: what a real issuer answers to a client credentials grant. */
interface Grant {
  readonly authorization: string | undefined;
  readonly form: URLSearchParams;
}
let endpoint: Server;
let tokenUrl: URL;
const grants: Grant[] = [];
let mode: 'ok' | 'refuse' | 'hang' | 'garbage' = 'ok';

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  endpoint = createServer((req, res) => {
    void body(req).then((text) => {
      grants.push({ authorization: req.headers.authorization, form: new URLSearchParams(text) });
      if (mode === 'hang') return;
      res.setHeader('content-type', 'application/json');
      if (mode === 'refuse') {
        res.writeHead(401).end(JSON.stringify({ error: 'invalid_client' }));
      } else if (mode === 'garbage') {
        res.end(JSON.stringify({ token: 'x' }));
      } else {
        res.end(
          JSON.stringify({
            access_token: `token-${grants.length}`,
            token_type: 'bearer',
            expires_in: 300,
          }),
        );
      }
    });
  });
  endpoint.listen(0, '127.0.0.1');
  await new Promise((resolve) => endpoint.once('listening', resolve));
  tokenUrl = new URL(`http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/oauth/token`);
});
afterAll(async () => {
  endpoint.closeAllConnections();
  await new Promise((resolve) => endpoint.close(resolve));
});

describe('clientCredentialsTokenSource', () => {
  it('asks once, reuses the token, and renews it before it expires', async () => {
    mode = 'ok';
    grants.length = 0;
    let clock = 1_000_000;
    const source = clientCredentialsTokenSource({
      tokenUrl,
      clientId: 'svc-audit',
      clientSecret: 'p@ss:word',
      scopes: ['ledger:read'],
      audience: 'tally-api',
      timeoutMs: 1_000,
      now: () => clock,
    });
    const [first, concurrent] = await Promise.all([source.token(), source.token()]);
    expect(first).toBe('token-1');
    expect(concurrent).toBe('token-1');
    expect(grants).toHaveLength(1);
    const grant = grants[0]!;
    expect(grant.form.get('grant_type')).toBe('client_credentials');
    expect(grant.form.get('scope')).toBe('ledger:read');
    expect(grant.form.get('audience')).toBe('tally-api');
    expect(Buffer.from(grant.authorization!.replace('Basic ', ''), 'base64').toString()).toBe(
      'svc-audit:p%40ss%3Aword',
    );

    clock += 200_000; // 100 s of 300 left: still fresh
    expect(await source.token()).toBe('token-1');
    clock += 45_000; // 55 s left, under the 60 s margin: renewed
    expect(await source.token()).toBe('token-2');
    expect(grants).toHaveLength(2);
  });

  it.each([
    ['refuses the client', 'refuse', /refused client svc-audit: 401 \(invalid_client\)/],
    ['answers without a token', 'garbage', /answered without access_token/],
    ['does not answer in time', 'hang', /did not answer within 200 ms/],
  ] as const)(
    'fails clearly, without the secret, when the endpoint %s',
    async (_what, m, message) => {
      mode = m;
      const source = clientCredentialsTokenSource({
        tokenUrl,
        clientId: 'svc-audit',
        clientSecret: 'very-secret-value',
        scopes: ['ledger:read'],
        timeoutMs: 200,
      });
      const error = await source.token().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenSourceError);
      expect(String(error)).toMatch(message);
      expect(String(error)).not.toContain('very-secret-value');
      mode = 'ok';
    },
  );
});

describe('serviceTokenSourceFromConfig', () => {
  let dir: string;
  let issuer: TestIssuer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tally-client-'));
    issuer = await testIssuer({ audience: 'tally-projector' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const configOf = (vars: Record<string, string>) => loadConfig(serviceTokenEnv, vars);

  it('signs its own tokens with a key file, and the callee accepts them', async () => {
    const keyFile = join(dir, 'client-key.jwk.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        ...issuer.key.key.export({ format: 'jwk' }),
        kid: issuer.key.kid,
        alg: issuer.key.alg,
      }),
    );
    const source = await serviceTokenSourceFromConfig({
      ...configOf({
        AUTH_CLIENT_ID: 'svc-audit',
        AUTH_CLIENT_SCOPE: 'ledger:read',
        AUTH_CLIENT_AUDIENCE: 'tally-projector',
        AUTH_CLIENT_SIGNING_KEY_FILE: keyFile,
      }),
      AUTH_ISSUER: issuer.issuer,
    });
    const token = await source.token();
    expect(await source.token()).toBe(token);
    const projector = createTokenVerifier({
      issuer: issuer.issuer,
      audience: ['tally-projector'],
      keys: await inlineKeys(issuer.env['AUTH_PUBLIC_KEYS']!),
    });
    const principal = await projector.verify(token);
    expect(principal).toMatchObject({ subject: 'svc-audit', clientId: 'svc-audit' });
    expect([...principal.scopes]).toEqual(['ledger:read']);
    expect(principal.accounts).toBeUndefined();
  });

  it('uses the token endpoint with a client secret', async () => {
    mode = 'ok';
    const source = await serviceTokenSourceFromConfig({
      ...configOf({
        AUTH_CLIENT_ID: 'svc-audit',
        AUTH_CLIENT_SCOPE: 'ledger:read',
        AUTH_CLIENT_AUDIENCE: 'tally-projector',
        AUTH_TOKEN_URL: tokenUrl.href,
        AUTH_CLIENT_SECRET: 'secret',
      }),
      AUTH_ISSUER: issuer.issuer,
    });
    expect(await source.token()).toMatch(/^token-\d+$/);
  });

  it('names what is missing or contradictory', async () => {
    const error = await serviceTokenSourceFromConfig({
      ...configOf({ AUTH_TOKEN_URL: tokenUrl.href, AUTH_CLIENT_SIGNING_KEY_FILE: '/x' }),
      AUTH_ISSUER: issuer.issuer,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('AUTH_CLIENT_ID: is required');
    expect(problems).toContain('AUTH_TOKEN_URL, AUTH_CLIENT_SIGNING_KEY_FILE: set exactly one');
  });

  it('names an unreadable or public key file without printing it', async () => {
    const publicOnly = join(dir, 'public.jwk.json');
    writeFileSync(publicOnly, JSON.stringify(issuer.publicJwk));
    const error = await serviceTokenSourceFromConfig({
      ...configOf({
        AUTH_CLIENT_ID: 'svc-audit',
        AUTH_CLIENT_SCOPE: 'ledger:read',
        AUTH_CLIENT_AUDIENCE: 'tally-projector',
        AUTH_CLIENT_SIGNING_KEY_FILE: publicOnly,
      }),
      AUTH_ISSUER: issuer.issuer,
    }).catch((e: unknown) => e);
    expect(String(error)).toContain(
      'AUTH_CLIENT_SIGNING_KEY_FILE: the signing key is neither a private JWK nor a PKCS#8 PEM private key',
    );
    expect(String(error)).not.toContain(String(issuer.publicJwk.x));
  });
});
