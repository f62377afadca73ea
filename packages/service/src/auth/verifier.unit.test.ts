import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testIssuer, type TestIssuer } from '../testing/index.js';
import { fileKeys, inlineKeys, KeysUnavailableError, remoteKeys } from './keys.js';
import { createTokenVerifier, TokenRejectedError, type TokenVerifier } from './verifier.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
let issuer: TestIssuer;
let verifier: TokenVerifier;

beforeAll(async () => {
  issuer = await testIssuer();
  verifier = createTokenVerifier({
    issuer: issuer.issuer,
    audience: [issuer.audience, 'tally-other'],
    keys: await inlineKeys(issuer.env['AUTH_PUBLIC_KEYS']!),
    clockToleranceSeconds: 30,
    now: () => NOW,
  });
});

async function rejection(token: string, by: TokenVerifier = verifier): Promise<string> {
  const error = await by.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenRejectedError);
  return (error as TokenRejectedError).description;
}

/** What a forger would like a token to say: valid issuer and audience, a write scope. */
const forgerClaims = () => ({
  iss: issuer.issuer,
  aud: issuer.audience,
  sub: 'mallory',
  scope: 'ledger:write',
});

const unsigned = (header: object, payload: object) =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;

describe('createTokenVerifier', () => {
  it('turns a valid token into its principal', async () => {
    const token = await issuer.token({
      subject: 'alice',
      clientId: 'teller-app',
      scopes: ['ledger:read', 'ledger:write'],
      accounts: ['acc-1', 'acc-2'],
      now: NOW,
    });
    const principal = await verifier.verify(token);
    expect(principal.subject).toBe('alice');
    expect(principal.clientId).toBe('teller-app');
    expect([...principal.scopes]).toEqual(['ledger:read', 'ledger:write']);
    expect([...(principal.accounts ?? [])]).toEqual(['acc-1', 'acc-2']);
    expect(principal.expiresAt).toBe(NOW / 1000 + 300);
    expect(principal.tokenId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts any of the configured audiences', async () => {
    const token = await issuer.token({ audience: ['unrelated', 'tally-other'], now: NOW });
    expect((await verifier.verify(token)).subject).toBe('test-user');
  });

  it.each([
    ['an empty string', ''],
    ['a word', 'not-a-token'],
    ['three garbage segments', 'a.b.c'],
    ['a JWE-shaped token', 'a.b.c.d.e'],
  ])('rejects a malformed token: %s', async (_what, token) => {
    expect(await rejection(token)).toBe('the token is not a well-formed signed JWT');
  });

  it('rejects an expired token, and tolerates a small clock skew', async () => {
    const expired = await issuer.token({ ttlSeconds: 60, now: NOW - 120_000 });
    expect(await rejection(expired)).toBe('the token expired');
    const justExpired = await issuer.token({ ttlSeconds: 60, now: NOW - 80_000 });
    expect((await verifier.verify(justExpired)).subject).toBe('test-user');
  });

  it('answers a repeated token from its cache only until the token expires', async () => {
    let clock = NOW;
    const cached = createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      keys: await inlineKeys(issuer.env['AUTH_PUBLIC_KEYS']!),
      clockToleranceSeconds: 30,
      now: () => clock,
    });
    const token = await issuer.token({ ttlSeconds: 60, now: NOW });
    expect((await cached.verify(token)).subject).toBe('test-user');
    expect((await cached.verify(token)).subject).toBe('test-user');
    clock = NOW + 89_000;
    expect((await cached.verify(token)).subject).toBe('test-user');
    clock = NOW + 90_000;
    expect(await rejection(token, cached)).toBe('the token expired');
  });

  it('never takes a token for a cached one it differs from, even in the signature alone', async () => {
    const token = await issuer.token({ now: NOW });
    expect((await verifier.verify(token)).subject).toBe('test-user');
    const [header, payload, signature = ''] = token.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(await rejection(`${header}.${payload}.${flipped}`)).toBe(
      "the token's signature does not verify",
    );
    expect(await rejection(`${header}.${payload}.`)).toBe("the token's signature does not verify");
  });

  it('rejects a token that is not valid yet, beyond the clock tolerance', async () => {
    const future = await issuer.token({ now: NOW + 120_000 });
    expect(await rejection(future)).toBe('the token is not valid yet');
    const slightlyAhead = await issuer.token({ now: NOW + 20_000 });
    expect((await verifier.verify(slightlyAhead)).subject).toBe('test-user');
  });

  it('rejects another issuer and another audience', async () => {
    expect(await rejection(await issuer.token({ issuer: 'https://evil.test', now: NOW }))).toBe(
      'the token was issued by another issuer',
    );
    expect(await rejection(await issuer.token({ audience: 'tally-admin', now: NOW }))).toBe(
      'the token is meant for another audience',
    );
  });

  it('rejects an unsigned token (alg none), even with valid claims', async () => {
    const claims = { ...forgerClaims(), exp: NOW / 1000 + 60 };
    for (const header of [{ alg: 'none' }, { alg: 'none', kid: issuer.key.kid }, { alg: 'NONE' }]) {
      expect(await rejection(unsigned(header, claims))).toBe(
        "the token's signature algorithm is not accepted",
      );
    }
  });

  it('rejects HS256 tokens "signed" with the public key (algorithm confusion)', async () => {
    const claims = forgerClaims();
    const publicPem = createPublicKey({ key: issuer.publicJwk, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const secrets = [
      Buffer.from(String(publicPem)),
      Buffer.from(JSON.stringify(issuer.publicJwk)),
      base64url.decode(String(issuer.publicJwk.x)),
    ];
    for (const secret of secrets) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid })
        .setIssuedAt(NOW / 1000)
        .setExpirationTime(NOW / 1000 + 60)
        .sign(secret);
      expect(await rejection(forged)).toBe("the token's signature algorithm is not accepted");
    }
  });

  it('rejects an algorithm outside the allow-list even when the key would verify it', async () => {
    const rsa = await testIssuer({ kind: 'rsa', issuer: issuer.issuer, audience: issuer.audience });
    const onlyEdDsa = createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      keys: await inlineKeys(rsa.env['AUTH_PUBLIC_KEYS']!),
      algorithms: ['EdDSA'],
      now: () => NOW,
    });
    const token = await rsa.token({ now: NOW });
    expect(await rejection(token, onlyEdDsa)).toBe(
      "the token's signature algorithm is not accepted",
    );
    const withRs256 = createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      keys: await inlineKeys(rsa.env['AUTH_PUBLIC_KEYS']!),
      algorithms: ['EdDSA', 'RS256'],
      now: () => NOW,
    });
    expect((await withRs256.verify(token)).subject).toBe('test-user');
  });

  it('rejects a token whose kid names no known key', async () => {
    const stranger = await testIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    expect(await rejection(await stranger.token({ now: NOW }))).toBe(
      'no known key matches the token (kid)',
    );
  });

  it('rejects a token signed by another key under a known kid', async () => {
    const stranger = await testIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    const [, payload, signature] = (await stranger.token({ now: NOW })).split('.');
    const header = base64url.encode(
      JSON.stringify({ alg: 'EdDSA', kid: issuer.key.kid, typ: 'at+jwt' }),
    );
    expect(await rejection(`${header}.${payload}.${signature}`)).toBe(
      "the token's signature does not verify",
    );
  });

  it('rejects tokens without subject or expiry, and malformed Tally claims', async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: issuer.key.alg, kid: issuer.key.kid })
        .setIssuer(issuer.issuer)
        .setAudience(issuer.audience)
        .sign(issuer.key.key);
    const exp = NOW / 1000 + 60;
    expect(await rejection(await sign({ exp }))).toMatch(/subject/);
    expect(await rejection(await sign({ sub: 'alice' }))).toMatch(/expiry|exp/);
    expect(await rejection(await sign({ sub: 'alice', exp, 'tally:accounts': 'acc-1' }))).toBe(
      'claim tally:accounts must be an array of at most 1000 non-empty account ids',
    );
    expect(await rejection(await sign({ sub: 'alice', exp, scope: ['ledger:write'] }))).toBe(
      'claim scope must be a string',
    );
    expect(await rejection(await sign({ sub: 'line\nbreak', exp }))).toMatch(/claim sub/);
  });
});

describe('key sources', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tally-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies with PEM public keys, named by their thumbprint', async () => {
    const ec = await testIssuer({
      kind: 'ec-p256',
      issuer: issuer.issuer,
      audience: issuer.audience,
    });
    const pem = (jwk: JsonWebKey) =>
      String(createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }));
    const both = createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      keys: await inlineKeys(`${pem(issuer.publicJwk)}\n${pem(ec.publicJwk)}`),
      now: () => NOW,
    });
    expect((await both.verify(await issuer.token({ now: NOW }))).subject).toBe('test-user');
    expect((await both.verify(await ec.token({ subject: 'bob', now: NOW }))).subject).toBe('bob');
  });

  it('refuses key sets that hold private keys, secrets or nothing usable', async () => {
    await expect(inlineKeys('{"keys":[]}')).rejects.toThrow(/non-empty "keys"/);
    await expect(inlineKeys('{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}')).rejects.toThrow(
      /only public RSA, EC and OKP/,
    );
    const privateJwk = issuer.key.key.export({ format: 'jwk' });
    await expect(inlineKeys(JSON.stringify({ keys: [privateJwk] }))).rejects.toThrow(
      /private key material \("d"\)/,
    );
    const privatePem = String(issuer.key.key.export({ type: 'pkcs8', format: 'pem' }));
    await expect(inlineKeys(privatePem)).rejects.toThrow(/is a PRIVATE KEY/);
    await expect(inlineKeys('hello')).rejects.toThrow(/neither a JWKS document nor PEM/);
  });

  it('re-reads a key file when a token names a key it does not hold yet (rotation)', async () => {
    const path = join(dir, 'jwks.json');
    writeFileSync(path, JSON.stringify({ keys: [issuer.publicJwk] }));
    const fromFile = createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      keys: await fileKeys(path, { reloadCooldownMs: 0 }),
      now: () => NOW,
    });
    const next = await testIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    expect(await rejection(await next.token({ now: NOW }), fromFile)).toMatch(/no known key/);

    writeFileSync(path, JSON.stringify({ keys: [next.publicJwk, issuer.publicJwk] }));
    expect((await fromFile.verify(await next.token({ now: NOW }))).subject).toBe('test-user');
    expect((await fromFile.verify(await issuer.token({ now: NOW }))).subject).toBe('test-user');
  });

  it('drops a removed key within the maximum age, and keeps serving when the file breaks', async () => {
    const path = join(dir, 'removal.json');
    const compromised = await testIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    writeFileSync(path, JSON.stringify({ keys: [issuer.publicJwk, compromised.publicJwk] }));
    let clock = 0;
    const keys = await fileKeys(path, { maxAgeMs: 60_000, now: () => clock });
    const fromFile = createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      keys,
      now: () => NOW,
    });
    const stolen = await compromised.token({ now: NOW });
    expect((await fromFile.verify(stolen)).subject).toBe('test-user');

    writeFileSync(path, JSON.stringify({ keys: [issuer.publicJwk] }));
    clock = 59_000;
    expect((await fromFile.verify(stolen)).subject).toBe('test-user');
    clock = 60_000;
    expect(await rejection(stolen, fromFile)).toBe('no known key matches the token (kid)');

    writeFileSync(path, 'not a key set');
    clock = 120_000;
    expect((await fromFile.verify(await issuer.token({ now: NOW }))).subject).toBe('test-user');
    expect(await keys.check()).toMatch(/cannot be re-read: neither a JWKS document nor PEM/);
  });

  it('refuses a missing key file at start', async () => {
    await expect(fileKeys(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
  });
});

describe('remote JWKS', () => {
  let server: Server;
  let base: string;
  let answer: 'keys' | 'hang' | 'error' = 'keys';
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      if (answer === 'hang') return; // never answers: the verifier's timeout must end the wait
      if (answer === 'error') {
        res.writeHead(500).end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [issuer.publicJwk] }));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const remoteVerifier = (path: string) =>
    createTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      keys: remoteKeys(new URL(path, base), { timeoutMs: 200, cacheMaxAgeMs: 60_000 }),
      now: () => NOW,
    });

  it('fetches the keys once and verifies from the cache', async () => {
    answer = 'keys';
    const remote = remoteVerifier('/ok/jwks.json');
    expect(await remote.readiness.check()).toBe(true);
    const before = fetches;
    for (let i = 0; i < 3; i += 1) {
      expect((await remote.verify(await issuer.token({ now: NOW }))).subject).toBe('test-user');
    }
    expect(fetches).toBe(before);
  });

  it.each([
    ['does not answer within the timeout', 'hang'],
    ['answers 500', 'error'],
  ] as const)('is unavailable, and not ready, while the JWKS URL %s', async (_what, mode) => {
    answer = mode;
    const remote = remoteVerifier(`/${mode}/jwks.json`);
    const error = await remote.verify(await issuer.token({ now: NOW })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect(await remote.readiness.check()).toMatch(/cannot be fetched/);
    answer = 'keys';
    expect(await remote.readiness.check()).toBe(true);
  });
});
