import type { Scope } from './auth/principal.js';

/**
 * The pieces of an OpenAPI 3.1 document that every service describes the same way: the problem
 * document, the bearer-token scheme, the scopes an operation needs and the answers of the kit's
 * authentication, authorization and rate limit. Each app's document spreads them, so the three
 * documents cannot drift apart from each other or from the kit.
 */

/** RFC 9457 problem details as `problemBody` writes them. */
const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', description: 'urn:tally:problem:<code in kebab case>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'stable, for clients to branch on' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
} as const;

/** A response of problem documents; needs `components.schemas.Problem` (PROBLEM_SCHEMA). */
export function problemResponse(description: string) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** The name of the security scheme in every document (`security: [{ bearerAuth: [scopes] }]`). */
const BEARER_SCHEME = 'bearerAuth';

/** `components.securitySchemes` of every document. */
const SECURITY_SCHEMES = {
  [BEARER_SCHEME]: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An OAuth 2.0 access token (RFC 9068 JWT) of the configured issuer and audience, in the ' +
      'Authorization header only. Scopes: ledger:write, ledger:read, audit:read, audit:admin; the ' +
      'tally:accounts claim limits a token to those accounts. See SECURITY.md.',
  },
} as const;

const RETRY_AFTER = {
  'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 0 } },
};

const AUTH_RESPONSES = {
  '401': {
    ...problemResponse(
      'UNAUTHENTICATED (no bearer token) or INVALID_TOKEN (malformed, expired, another issuer or ' +
        'audience, a refused algorithm, an unknown key, a bad signature)',
    ),
    headers: {
      'WWW-Authenticate': {
        description: 'Bearer, with error="invalid_token" when a token was sent',
      },
    },
  },
  '403': {
    ...problemResponse(
      'INSUFFICIENT_SCOPE (the token lacks the scope), ACCOUNT_FORBIDDEN (an account-limited ' +
        'token names another account; the same whether it exists or not) or ' +
        'ACCOUNT_LIMITED_TOKEN (the resource spans all accounts)',
    ),
    headers: {
      'WWW-Authenticate': { description: 'Bearer error="insufficient_scope" and the scope needed' },
    },
  },
  '503': {
    ...problemResponse('AUTH_UNAVAILABLE: the keys that verify tokens cannot be fetched'),
    headers: RETRY_AFTER,
  },
} as const;

const RATE_LIMITED = {
  '429': {
    ...problemResponse('RATE_LIMITED: this caller sent too many commands in the window'),
    headers: {
      ...RETRY_AFTER,
      RateLimit: { description: 'remaining quota (IETF draft 8)', schema: { type: 'string' } },
      'RateLimit-Policy': { description: 'the limit and window', schema: { type: 'string' } },
    },
  },
} as const;

export interface SecuredOptions {
  /** The operation counts against the caller's command rate limit (429). */
  readonly rateLimited?: boolean;
  /** `one`: an account-limited token reaches only its accounts; `all`: never (reports over all). */
  readonly accounts?: 'one' | 'all';
}

interface Operation {
  readonly description?: string;
  readonly responses: Readonly<Record<string, unknown>>;
  readonly [member: string]: unknown;
}

/**
 * An operation behind `authenticate` and `requireScope(...anyOf)`: its security requirement
 * names the scopes (any one suffices), and the kit's refusals join its responses.
 */
export function secured<T extends Operation>(
  anyOf: readonly Scope[],
  operation: T,
  options: SecuredOptions = {},
) {
  const needs = [
    `Needs a bearer token with the scope ${anyOf.join(' or ')}.`,
    options.accounts === 'all' ? 'Not for tokens limited to accounts.' : undefined,
    options.accounts === 'one' ? 'A token limited to accounts must name this account.' : undefined,
    options.rateLimited ? 'Counts against the caller’s command rate limit.' : undefined,
  ].filter((line) => line !== undefined);
  return {
    ...operation,
    description: [operation.description, ...needs].filter((d) => d !== undefined).join(' '),
    security: [{ [BEARER_SCHEME]: [...anyOf] }],
    // Machine-readable, so that a test can hold the routes to what their documents say.
    ...(options.accounts === undefined ? {} : { 'x-tally-account-limit': options.accounts }),
    responses: {
      ...operation.responses,
      ...AUTH_RESPONSES,
      ...(options.rateLimited ? RATE_LIMITED : {}),
    },
  };
}

/** An operation anyone may call (probes, metrics, the document itself). */
function open<T extends Operation>(operation: T) {
  return { ...operation, security: [] };
}

/** The open paths the kit and every app serve, described alike. */
const OPEN_PATH_ITEMS = {
  '/healthz': {
    get: open({ summary: 'Liveness', responses: { '200': { description: 'alive' } } }),
  },
  '/metrics': {
    get: open({
      summary: 'Prometheus metrics',
      responses: { '200': { description: 'text exposition format' } },
    }),
  },
  '/openapi.json': {
    get: open({ summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } }),
  },
} as const;

/** `/readyz`, with what the service checks. */
function readyzPathItem(summary: string) {
  return {
    get: open({
      summary,
      responses: {
        '200': { description: 'ready: { ready: true, checks }' },
        '503': { description: 'not ready: { ready: false, checks } naming each failing check' },
      },
    }),
  };
}

export interface ApiDocumentOptions<P extends object> {
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description?: string;
  };
  /** What `/readyz` checks, for its summary. */
  readonly readiness: string;
  /** The service's own paths; the open ones are added. */
  readonly paths: P;
  readonly components?: {
    readonly schemas?: Readonly<Record<string, unknown>>;
    readonly parameters?: Readonly<Record<string, unknown>>;
    readonly responses?: Readonly<Record<string, unknown>>;
  };
}

/**
 * A service's OpenAPI 3.1 document: its paths, the open ones every service serves, bearer tokens
 * required unless an operation opts out, the security scheme and the Problem schema.
 */
export function apiDocument<P extends object>(options: ApiDocumentOptions<P>) {
  const { components = {} } = options;
  return {
    openapi: '3.1.0',
    info: options.info,
    security: [{ [BEARER_SCHEME]: [] }],
    paths: { ...options.paths, ...OPEN_PATH_ITEMS, '/readyz': readyzPathItem(options.readiness) },
    components: {
      ...components,
      securitySchemes: SECURITY_SCHEMES,
      schemas: { ...components.schemas, Problem: PROBLEM_SCHEMA },
    },
  } as const;
}
