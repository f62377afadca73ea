import type { Request, RequestHandler, Response } from 'express';
import { HttpProblem } from '../problem.js';
import { insufficientScope } from './authorization.js';
import { KeysUnavailableError } from './keys.js';
import { actorOf, type Principal, type Scope } from './principal.js';
import { TokenRejectedError, type TokenVerifier } from './verifier.js';

/** The routes a caller reaches without a token: probes, scrapes and the API description. */
export const OPEN_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics', '/openapi.json'];

// Keyed by the request object, so nothing depends on express's typings being augmented.
const principals = new WeakMap<object, Principal>();

/** RFC 6750 token68-like syntax of a bearer token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** A quoted-string value for WWW-Authenticate: RFC 6750 allows no `"` or `\` in it. */
const quoted = (value: string) => `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ')}"`;

function challenge(res: Response, error?: string, description?: string, scope?: string): void {
  const params = [
    ...(error === undefined ? [] : [`error=${quoted(error)}`]),
    ...(description === undefined ? [] : [`error_description=${quoted(description)}`]),
    ...(scope === undefined ? [] : [`scope=${quoted(scope)}`]),
  ];
  res.set('WWW-Authenticate', params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`);
}

export interface AuthenticateOptions {
  /** Paths served without a token (exact match on the path); OPEN_PATHS by default. */
  readonly openPaths?: readonly string[];
}

/**
 * Express middleware that admits only requests with a valid bearer token (the Authorization
 * header; never the query string) and records the caller for principalOf. Mount it before the
 * app's routes. Missing or invalid token: 401 with an RFC 6750 challenge; a malformed header:
 * 400; keys that cannot be fetched: 503.
 */
export function authenticate(
  verifier: TokenVerifier,
  options: AuthenticateOptions = {},
): RequestHandler {
  const open = new Set(options.openPaths ?? OPEN_PATHS);
  return (req, res, next) => {
    if (open.has(req.path)) {
      next();
      return;
    }
    const header = req.get('authorization');
    if (req.query['access_token'] !== undefined) {
      challenge(res, 'invalid_request', 'send the token in the Authorization header');
      next(
        new HttpProblem(
          400,
          'INVALID_AUTHORIZATION',
          'Invalid authorization',
          'tokens are accepted only in the Authorization header, never in the URL',
        ),
      );
      return;
    }
    if (header === undefined || !/^bearer(\s|$)/i.test(header)) {
      // RFC 6750 §3.1: a request without bearer credentials gets a challenge without error code.
      challenge(res);
      next(
        new HttpProblem(
          401,
          'UNAUTHENTICATED',
          'Authentication required',
          header === undefined
            ? 'this operation needs a bearer token in the Authorization header'
            : 'the Authorization header must use the Bearer scheme',
        ),
      );
      return;
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      challenge(res, 'invalid_request', 'the Authorization header is not "Bearer <token>"');
      next(
        new HttpProblem(
          400,
          'INVALID_AUTHORIZATION',
          'Invalid authorization',
          'the Authorization header must be "Bearer <token>" with one token',
        ),
      );
      return;
    }
    verifier.verify(token).then(
      (principal) => {
        principals.set(req, principal);
        next();
      },
      (error: unknown) => {
        if (error instanceof TokenRejectedError) {
          challenge(res, 'invalid_token', error.description);
          next(new HttpProblem(401, 'INVALID_TOKEN', 'Invalid token', error.description));
        } else if (error instanceof KeysUnavailableError) {
          res.set('Retry-After', '5');
          next(
            new HttpProblem(
              503,
              'AUTH_UNAVAILABLE',
              'Authentication unavailable',
              'the keys that verify tokens cannot be fetched right now; retry later',
            ),
          );
        } else {
          next(error);
        }
      },
    );
  };
}

/** Middleware: 403 with an `insufficient_scope` challenge unless the token has one of `anyOf`. */
export function requireScope(...anyOf: readonly Scope[]): RequestHandler {
  if (anyOf.length === 0) throw new Error('requireScope needs at least one scope');
  return (req, res, next) => {
    const principal = principalOf(req);
    if (anyOf.some((scope) => principal.scopes.has(scope))) {
      next();
      return;
    }
    const problem = insufficientScope(anyOf);
    challenge(res, 'insufficient_scope', problem.detail, anyOf.join(' '));
    next(problem);
  };
}

/**
 * The verified caller of a request that passed authenticate. Throws (a 500: a wiring bug) when the
 * route is not behind authenticate, so that no handler can silently run without a caller.
 */
export function principalOf(req: Request): Principal {
  const principal = principals.get(req);
  if (principal === undefined) {
    throw new Error(`no verified caller for ${req.method} ${req.path}: mount authenticate() first`);
  }
  return principal;
}

/** The caller's actor string, or undefined before or without authentication (request logs). */
export function callerOf(req: object): string | undefined {
  const principal = principals.get(req);
  return principal === undefined ? undefined : actorOf(principal);
}
