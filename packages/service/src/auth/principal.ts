/**
 * The verified caller: who (subject), through which client, with which scopes, limited to which
 * accounts. Built from a token's claims after its signature and registered claims were checked;
 * pure, no I/O.
 */

/** The scopes Tally's APIs know; SECURITY.md maps every route to one of them. */
export const SCOPES = {
  /** Commands: open, deposit, withdraw, close. */
  ledgerWrite: 'ledger:write',
  /** Balances, history, command status. */
  ledgerRead: 'ledger:read',
  /** Statements, daily summaries, reconciliation, chain verification. */
  auditRead: 'audit:read',
  /** Signed digests and their checks. */
  auditAdmin: 'audit:admin',
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** The claim that limits a token to some accounts (an array of account ids). */
export const DEFAULT_ACCOUNTS_CLAIM = 'tally:accounts';

export interface Principal {
  /** `sub`: the user or service the token speaks for. */
  readonly subject: string;
  /** `client_id` (RFC 9068) or else `azp`: the application that presents the token. */
  readonly clientId: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** The accounts the token is limited to; undefined when it is not limited to accounts. */
  readonly accounts: ReadonlySet<string> | undefined;
  /** `jti`, when the issuer sets one: lets a log line name the token without showing it. */
  readonly tokenId: string | undefined;
  /** `exp`, epoch seconds. */
  readonly expiresAt: number;
}

/** The claims do not describe a caller Tally can act for; answered as an invalid token. */
export class ClaimsError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'ClaimsError';
  }
}

/** Subjects and client ids become the actor of events: printable, bounded. */
const IDENTIFIER = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/;
const MAX_ACCOUNTS = 1_000;

function identifier(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new ClaimsError(`claim ${name} must be 1 to 256 printable ASCII characters`);
  }
  return value;
}

function scopesOf(claims: Readonly<Record<string, unknown>>): Set<string> {
  const scopes = new Set<string>();
  const { scope, scp } = claims;
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw new ClaimsError('claim scope must be a string');
    for (const s of scope.split(' ')) if (s !== '') scopes.add(s);
  }
  if (scp !== undefined) {
    const list = typeof scp === 'string' ? scp.split(' ') : scp;
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
      throw new ClaimsError('claim scp must be a string or an array of strings');
    }
    for (const s of list as string[]) if (s !== '') scopes.add(s);
  }
  return scopes;
}

function accountsOf(
  claims: Readonly<Record<string, unknown>>,
  claim: string,
): Set<string> | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > MAX_ACCOUNTS ||
    !value.every((id) => typeof id === 'string' && id !== '')
  ) {
    throw new ClaimsError(
      `claim ${claim} must be an array of at most ${MAX_ACCOUNTS} non-empty account ids`,
    );
  }
  return new Set(value as string[]);
}

/**
 * The principal of a token whose signature, issuer, audience and lifetime were verified. Throws
 * ClaimsError when a claim Tally relies on is missing or malformed: a malformed account limit must
 * never be read as "no limit".
 */
export function principalFromClaims(
  claims: Readonly<Record<string, unknown>>,
  accountsClaim: string = DEFAULT_ACCOUNTS_CLAIM,
): Principal {
  const subject = identifier(claims, 'sub');
  if (subject === undefined) throw new ClaimsError('the token names no subject (sub)');
  const clientId = identifier(claims, 'client_id') ?? identifier(claims, 'azp');
  const { exp } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new ClaimsError('the token has no expiry (exp)');
  }
  return {
    subject,
    clientId,
    scopes: scopesOf(claims),
    accounts: accountsOf(claims, accountsClaim),
    tokenId: identifier(claims, 'jti'),
    expiresAt: exp,
  };
}

/**
 * The actor recorded in events and audit entries: the subject, and the client when it is another
 * party than the subject (`alice via teller-app`). A client-credentials token's subject is the
 * client itself, so its actor is just the client id.
 */
export function actorOf(principal: Principal): string {
  const { subject, clientId } = principal;
  return clientId === undefined || clientId === subject ? subject : `${subject} via ${clientId}`;
}
