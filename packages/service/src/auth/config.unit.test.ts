import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { testIssuer } from '../testing/index.js';
import { authEnv, tokenVerifierFromConfig } from './config.js';

const base = { AUTH_ISSUER: 'https://issuer.test', AUTH_AUDIENCE: 'tally-api' };

function problems(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('authEnv', () => {
  it('has safe defaults for everything but issuer, audience and keys', () => {
    const config = loadConfig(authEnv, { ...base, AUTH_JWKS_FILE: 'jwks.json' });
    expect(config).toMatchObject({
      AUTH_AUDIENCE: ['tally-api'],
      AUTH_ALGORITHMS: ['EdDSA', 'ES256', 'RS256'],
      AUTH_CLOCK_TOLERANCE_S: 30,
      AUTH_JWKS_TIMEOUT_MS: 5_000,
      AUTH_ACCOUNTS_CLAIM: 'tally:accounts',
    });
  });

  it('requires issuer and audience', () => {
    const message = problems(() => loadConfig(authEnv, {}));
    expect(message).toMatch(/AUTH_ISSUER: .*\(unset\)/);
    expect(message).toMatch(/AUTH_AUDIENCE: .*\(unset\)/);
  });

  it.each([
    ['none', 1],
    ['HS256', 1],
    ['EdDSA,HS512', 2],
  ])('refuses the algorithm list %s, naming the entry', (list, entry) => {
    expect(problems(() => loadConfig(authEnv, { ...base, AUTH_ALGORITHMS: list }))).toContain(
      `AUTH_ALGORITHMS: entry ${entry}: must list only EdDSA, Ed25519, ES256`,
    );
  });

  it('refuses a JWKS URL over plain http unless it is on loopback', () => {
    expect(
      problems(() =>
        loadConfig(authEnv, { ...base, AUTH_JWKS_URL: 'http://idp.example/jwks.json' }),
      ),
    ).toMatch(/AUTH_JWKS_URL: must be an https:\/\/ URL/);
    for (const url of [
      'https://idp.example/.well-known/jwks.json',
      'http://127.0.0.1:8080/jwks.json',
      'http://localhost/jwks',
    ]) {
      expect(loadConfig(authEnv, { ...base, AUTH_JWKS_URL: url }).AUTH_JWKS_URL).toBe(url);
    }
  });
});

describe('tokenVerifierFromConfig', () => {
  const load = (vars: Record<string, string>) =>
    tokenVerifierFromConfig(loadConfig(authEnv, { ...base, ...vars }));

  it('needs exactly one key source', async () => {
    await expect(load({})).rejects.toThrow(/set exactly one \(none is set\)/);
    await expect(
      load({ AUTH_JWKS_FILE: 'a.json', AUTH_JWKS_URL: 'https://idp.example/jwks' }),
    ).rejects.toThrow(/AUTH_JWKS_URL and AUTH_JWKS_FILE are set/);
  });

  it('names the variable of an unusable key source, without its contents', async () => {
    await expect(load({ AUTH_JWKS_FILE: '/nonexistent/jwks.json' })).rejects.toThrow(
      /AUTH_JWKS_FILE: cannot read \/nonexistent\/jwks.json/,
    );
    const issuer = await testIssuer();
    const privateJwk = JSON.stringify(issuer.key.key.export({ format: 'jwk' }));
    const error = await load({ AUTH_PUBLIC_KEYS: privateJwk }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/AUTH_PUBLIC_KEYS: key 0 holds private key material/);
    const d = (issuer.key.key.export({ format: 'jwk' }) as { d: string }).d;
    expect(String(error)).not.toContain(d);
  });

  it('builds a verifier that accepts the configured issuer’s tokens', async () => {
    const issuer = await testIssuer({ issuer: base.AUTH_ISSUER, audience: base.AUTH_AUDIENCE });
    const verifier = await load({ AUTH_PUBLIC_KEYS: issuer.env['AUTH_PUBLIC_KEYS']! });
    const principal = await verifier.verify(await issuer.token({ scopes: ['ledger:read'] }));
    expect([...principal.scopes]).toEqual(['ledger:read']);
    expect(await verifier.readiness.check()).toBe(true);
  });
});
