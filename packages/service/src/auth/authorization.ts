import { HttpProblem } from '../problem.js';
import { SCOPES, type Principal, type Scope } from './principal.js';

/**
 * What a verified caller may do. Scopes say which operations; the account claim, when present,
 * says on which accounts. The rules the apps apply (SECURITY.md, "Disclosure"):
 *
 * 1. Check the account limit before any lookup, and answer the same whether the account exists or
 *    not (requireAccount), so a limited token cannot probe for other accounts.
 * 2. A resource found by another id (a command id) that belongs to an account the caller may not
 *    see is answered exactly like an unknown id (404).
 * 3. Balances, versions and amounts derived from them (accepted answers, refusals such as
 *    INSUFFICIENT_FUNDS with `balance`) are shown only to callers that canRead the account; others
 *    get the outcome and its code without them.
 * 4. Reports over all accounts (lists, daily, reconciliation, anomalies, verification, digests)
 *    need a token that is not limited to accounts (requireAllAccounts).
 */

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

/** The account limit alone: true when the token is not limited, or names this account. */
export function mayAccessAccount(principal: Principal, accountId: string): boolean {
  return principal.accounts === undefined || principal.accounts.has(accountId);
}

/** May see the account's state (balance, version, history) under `scope`. */
export function canRead(
  principal: Principal,
  accountId: string,
  scope: Scope = SCOPES.ledgerRead,
): boolean {
  return hasScope(principal, scope) && mayAccessAccount(principal, accountId);
}

/** May move money on, open or close the account. */
export function canWrite(principal: Principal, accountId: string): boolean {
  return hasScope(principal, SCOPES.ledgerWrite) && mayAccessAccount(principal, accountId);
}

/** 403 unless the token may act on this account; the same answer whether it exists or not. */
export function requireAccount(principal: Principal, accountId: string): void {
  if (mayAccessAccount(principal, accountId)) return;
  throw new HttpProblem(
    403,
    'ACCOUNT_FORBIDDEN',
    'Account forbidden',
    'this token is limited to other accounts',
    { accountId },
  );
}

/** 403 for tokens limited to accounts: the resource spans every account. */
export function requireAllAccounts(principal: Principal): void {
  if (principal.accounts === undefined) return;
  throw new HttpProblem(
    403,
    'ACCOUNT_LIMITED_TOKEN',
    'Account-limited token',
    'this report spans all accounts; a token limited to accounts cannot read it',
  );
}

/** The 403 of a token that lacks every scope in `anyOf`. */
export function insufficientScope(anyOf: readonly Scope[]): HttpProblem {
  return new HttpProblem(
    403,
    'INSUFFICIENT_SCOPE',
    'Insufficient scope',
    `this operation needs the scope ${anyOf.join(' or ')}`,
    { requiredScope: anyOf.join(' ') },
  );
}
