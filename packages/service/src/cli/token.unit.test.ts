import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileKeys } from '../auth/keys.js';
import {
  ensureLocalSigningKey,
  loadLocalSigningKey,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  localAuthPaths,
  rotateLocalSigningKey,
} from '../auth/local-keys.js';
import { mintAccessToken } from '../auth/signing.js';
import { createTokenVerifier, type TokenVerifier } from '../auth/verifier.js';
import { parseTokenArgs, parseTtl, UsageError } from './token-args.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

let stateDir: string;
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'tally-auth-'));
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const localVerifier = async (): Promise<TokenVerifier> =>
  createTokenVerifier({
    issuer: LOCAL_ISSUER,
    audience: [LOCAL_AUDIENCE],
    keys: await fileKeys(localAuthPaths(stateDir).jwks, { reloadCooldownMs: 0 }),
  });

describe('parseTokenArgs', () => {
  it('reads repeated and comma-separated scopes and accounts, with defaults', () => {
    expect(
      parseTokenArgs([
        '--scope',
        'ledger:write,ledger:read',
        '--scope',
        'ledger:read',
        '--account',
        'a-1,a-2',
      ]),
    ).toEqual({
      scopes: ['ledger:write', 'ledger:read'],
      accounts: ['a-1', 'a-2'],
      ttlSeconds: 900,
      subject: 'local-dev',
      clientId: 'tally-cli',
      audience: LOCAL_AUDIENCE,
      issuer: LOCAL_ISSUER,
    });
    expect(parseTokenArgs(['--scope', 'audit:read']).accounts).toBeUndefined();
  });

  it.each([
    [[], /--scope is required/],
    [['--scope', 'ledger:wrte'], /--scope ledger:wrte: not a Tally scope/],
    [['--scope', 'ledger:read', '--account', ','], /--account needs an account id/],
    [['--scope', 'ledger:read', '--ttl', '2d'], /--ttl "2d"/],
    [['--scope', 'ledger:read', '--bogus'], /bogus/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseTokenArgs(argv)).toThrow(UsageError);
    expect(() => parseTokenArgs(argv)).toThrow(message);
  });

  it('parses lifetimes up to a day', () => {
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('24h')).toBe(86_400);
    expect(parseTtl('30')).toBe(30);
    expect(() => parseTtl('25h')).toThrow(UsageError);
    expect(() => parseTtl('0m')).toThrow(UsageError);
  });
});

describe('local signing key', () => {
  it('is made once, private to its owner, and kept on the next run', async () => {
    const first = await ensureLocalSigningKey(stateDir);
    expect(first.created).toBe(true);
    expect(statSync(localAuthPaths(stateDir).signingKey).mode & 0o777).toBe(0o600);
    const again = await ensureLocalSigningKey(stateDir);
    expect(again).toEqual({ kid: first.kid, created: false });
  });

  it('mints tokens from the command line that the services verify', async () => {
    const { stdout, stderr } = await run(
      join(root, 'node_modules/.bin/tsx'),
      [
        '--conditions=@tally/source',
        join(root, 'packages/service/src/cli/token.ts'),
        '--scope',
        'ledger:write',
        '--account',
        'demo-1',
        '--ttl',
        '5m',
        '--sub',
        'ada',
      ],
      { env: { ...process.env, TALLY_STATE_DIR: stateDir } },
    );
    expect(stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stderr).toContain('token for ada via tally-cli: ledger:write on demo-1');
    const principal = await (await localVerifier()).verify(stdout.trim());
    expect(principal.subject).toBe('ada');
    expect([...(principal.accounts ?? [])]).toEqual(['demo-1']);
    expect(principal.expiresAt - Date.now() / 1000).toBeGreaterThan(290);
    expect(principal.expiresAt - Date.now() / 1000).toBeLessThanOrEqual(300);
  });

  it('rotates without invalidating tokens signed with the previous key', async () => {
    const claims = {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      subject: 'before',
      scopes: ['ledger:read'],
      ttlSeconds: 60,
    };
    const verifier = await localVerifier();
    const old = await mintAccessToken(await loadLocalSigningKey(stateDir), claims);
    const oldKid = (await loadLocalSigningKey(stateDir)).kid;
    const newKid = await rotateLocalSigningKey(stateDir);
    expect(newKid).not.toBe(oldKid);
    const fresh = await mintAccessToken(await loadLocalSigningKey(stateDir), {
      ...claims,
      subject: 'after',
    });
    expect((await verifier.verify(fresh)).subject).toBe('after');
    expect((await verifier.verify(old)).subject).toBe('before');
  });
});
