import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../problem.js';
import {
  canRead,
  canWrite,
  mayAccessAccount,
  requireAccount,
  requireAllAccounts,
} from './authorization.js';
import { actorOf, ClaimsError, principalFromClaims, SCOPES } from './principal.js';

const exp = 2_000_000_000;

describe('principalFromClaims', () => {
  it('reads subject, client, scopes and the account limit', () => {
    const principal = principalFromClaims({
      sub: 'alice',
      azp: 'teller-app',
      scope: 'ledger:read  ledger:write',
      scp: ['audit:read'],
      'tally:accounts': ['acc-1'],
      jti: 'token-1',
      exp,
    });
    expect(principal).toMatchObject({
      subject: 'alice',
      clientId: 'teller-app',
      tokenId: 'token-1',
    });
    expect([...principal.scopes].sort()).toEqual(['audit:read', 'ledger:read', 'ledger:write']);
    expect([...(principal.accounts ?? [])]).toEqual(['acc-1']);
  });

  it('prefers client_id (RFC 9068) over azp, and reads a custom account claim', () => {
    const principal = principalFromClaims(
      { sub: 'alice', client_id: 'app-a', azp: 'app-b', exp, 'https://bank.test/accounts': [] },
      'https://bank.test/accounts',
    );
    expect(principal.clientId).toBe('app-a');
    expect(principal.accounts?.size).toBe(0);
  });

  it('is not limited to accounts without the claim, and has no scope without scope claims', () => {
    const principal = principalFromClaims({ sub: 'svc', exp });
    expect(principal.accounts).toBeUndefined();
    expect(principal.scopes.size).toBe(0);
  });

  it.each([
    ['no subject', { exp }, /no subject/],
    ['an empty subject', { sub: '', exp }, /claim sub/],
    ['a subject with a control character', { sub: 'a\u0000b', exp }, /claim sub/],
    ['a subject of 257 characters', { sub: 'x'.repeat(257), exp }, /claim sub/],
    ['no expiry', { sub: 'a' }, /no expiry/],
    ['a numeric client_id', { sub: 'a', exp, client_id: 7 }, /claim client_id/],
    ['a scope array', { sub: 'a', exp, scope: ['x'] }, /claim scope/],
    ['an scp of numbers', { sub: 'a', exp, scp: [1] }, /claim scp/],
    [
      'an account limit as a string',
      { sub: 'a', exp, 'tally:accounts': 'acc-1' },
      /tally:accounts/,
    ],
    ['an empty account id', { sub: 'a', exp, 'tally:accounts': [''] }, /tally:accounts/],
    [
      'too many accounts',
      { sub: 'a', exp, 'tally:accounts': Array.from({ length: 1001 }, (_, i) => `a${i}`) },
      /at most 1000/,
    ],
  ])('refuses %s', (_what, claims, message) => {
    expect(() => principalFromClaims(claims)).toThrow(ClaimsError);
    expect(() => principalFromClaims(claims)).toThrow(message);
  });
});

describe('actorOf', () => {
  it('is the subject, with the client when another party presents the token', () => {
    expect(actorOf(principalFromClaims({ sub: 'alice', exp }))).toBe('alice');
    expect(actorOf(principalFromClaims({ sub: 'svc-audit', client_id: 'svc-audit', exp }))).toBe(
      'svc-audit',
    );
    expect(actorOf(principalFromClaims({ sub: 'alice', client_id: 'teller-app', exp }))).toBe(
      'alice via teller-app',
    );
  });
});

describe('authorization', () => {
  const limited = principalFromClaims({
    sub: 'customer',
    scope: 'ledger:read ledger:write',
    'tally:accounts': ['acc-1'],
    exp,
  });
  const writeOnly = principalFromClaims({ sub: 'batch', scope: 'ledger:write', exp });
  const staff = principalFromClaims({ sub: 'staff', scope: 'ledger:read audit:read', exp });

  it('limits an account-limited token to its accounts', () => {
    expect(mayAccessAccount(limited, 'acc-1')).toBe(true);
    expect(mayAccessAccount(limited, 'acc-2')).toBe(false);
    expect(canRead(limited, 'acc-1')).toBe(true);
    expect(canRead(limited, 'acc-2')).toBe(false);
    expect(canWrite(limited, 'acc-2')).toBe(false);
  });

  it('needs the scope as well as the account', () => {
    expect(canRead(writeOnly, 'acc-1')).toBe(false);
    expect(canWrite(writeOnly, 'acc-1')).toBe(true);
    expect(canWrite(staff, 'acc-1')).toBe(false);
    expect(canRead(staff, 'acc-1', SCOPES.auditRead)).toBe(true);
    expect(canRead(limited, 'acc-1', SCOPES.auditRead)).toBe(false);
  });

  it('refuses another account with the same 403 whether it exists or not', () => {
    const problem = (() => {
      try {
        requireAccount(limited, 'acc-2');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(problem).toBeInstanceOf(HttpProblem);
    expect(problem).toMatchObject({ status: 403, code: 'ACCOUNT_FORBIDDEN' });
    expect(() => requireAccount(limited, 'acc-1')).not.toThrow();
    expect(() => requireAccount(staff, 'anything')).not.toThrow();
  });

  it('keeps reports over all accounts from account-limited tokens', () => {
    expect(() => requireAllAccounts(limited)).toThrow(
      expect.objectContaining({ status: 403, code: 'ACCOUNT_LIMITED_TOKEN' }),
    );
    expect(() => requireAllAccounts(staff)).not.toThrow();
  });
});
