import { parseArgs } from 'node:util';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../auth/local-keys.js';
import { SCOPES } from '../auth/principal.js';

export const TOKEN_USAGE = `Usage: pnpm --silent run token --scope <scope> [--scope …] [--account <id> …]
                              [--ttl 15m] [--sub <subject>] [--client <client id>]
                              [--aud <audience>] [--iss <issuer>]

Prints a short-lived access token signed with the local stack's key (.local/auth), for
  curl -H "Authorization: Bearer $(pnpm --silent run token --scope ledger:read)" …

  --scope    ${Object.values(SCOPES).join(', ')} (repeat, or comma-separate)
  --account  limits the token to these account ids (repeat, or comma-separate); without it the
             token is not limited to accounts
  --ttl      lifetime: 90s, 15m, 2h (default 15m, at most 24h)
  --sub      subject, recorded as the actor (default local-dev)
  --client   client id (default tally-cli)
  --aud      audience (default ${LOCAL_AUDIENCE}); --iss issuer (default ${LOCAL_ISSUER})`;

export interface TokenRequest {
  readonly scopes: readonly string[];
  readonly accounts: readonly string[] | undefined;
  readonly ttlSeconds: number;
  readonly subject: string;
  readonly clientId: string;
  readonly audience: string;
  readonly issuer: string;
}

/** Bad arguments; the message says which and what is allowed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const MAX_TTL_SECONDS = 24 * 3600;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

export function parseTtl(text: string): number {
  const match = /^(\d+)([smh])?$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS) {
    throw new UsageError(
      `--ttl ${JSON.stringify(text)}: a lifetime like 90s, 15m or 2h, at most 24h`,
    );
  }
  return seconds;
}

const splitAll = (values: readonly string[] | undefined) =>
  (values ?? [])
    .flatMap((value) => value.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** The token the command line asks for. */
export function parseTokenArgs(argv: readonly string[]): TokenRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        scope: { type: 'string', multiple: true },
        account: { type: 'string', multiple: true },
        ttl: { type: 'string', default: '15m' },
        sub: { type: 'string', default: 'local-dev' },
        client: { type: 'string', default: 'tally-cli' },
        aud: { type: 'string', default: LOCAL_AUDIENCE },
        iss: { type: 'string', default: LOCAL_ISSUER },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const scopes = splitAll(values.scope);
  if (scopes.length === 0) throw new UsageError('--scope is required');
  const known = new Set<string>(Object.values(SCOPES));
  const unknown = scopes.filter((scope) => !known.has(scope));
  if (unknown.length > 0) {
    throw new UsageError(
      `--scope ${unknown.join(', ')}: not a Tally scope (${[...known].join(', ')})`,
    );
  }
  const accounts = values.account === undefined ? undefined : splitAll(values.account);
  if (accounts?.length === 0) throw new UsageError('--account needs an account id');
  return {
    scopes: [...new Set(scopes)],
    accounts,
    ttlSeconds: parseTtl(values.ttl),
    subject: values.sub,
    clientId: values.client,
    audience: values.aud,
    issuer: values.iss,
  };
}
