import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { callerOf } from './auth/middleware.js';
import { env } from './config.js';
import { HttpProblem } from './problem.js';

/** Env vars of the per-caller limit on command endpoints. */
export const rateLimitEnv = {
  /** Requests one caller may make per window; 0 switches the limit off. */
  RATE_LIMIT_COMMANDS: z.coerce.number().int().min(0).default(1_200),
  /** The window, ms. */
  RATE_LIMIT_WINDOW_MS: env.positiveInt().default(60_000),
};

export interface RateLimitOptions {
  /** Requests one caller may make per window; 0 lets every request through. */
  readonly limit: number;
  readonly windowMs: number;
}

/** The caller a limit counts for: the verified token's subject and client, else the IP (/64 for IPv6). */
function callerKey(req: Request): string {
  const caller = callerOf(req);
  return caller === undefined ? `ip:${ipKeyGenerator(req.ip ?? 'unknown')}` : `caller:${caller}`;
}

/**
 * Middleware that answers 429 problem+json with Retry-After (seconds until the window resets)
 * once a caller exceeds `limit` requests in the window. Mount it after authenticate, so that
 * callers are told apart by their token, not their address. Counts live in this instance's
 * memory: each instance limits on its own.
 */
export function rateLimitPerCaller(options: RateLimitOptions): RequestHandler {
  const { limit, windowMs } = options;
  if (limit === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: callerKey,
    handler: (_req, res, next) => {
      next(
        new HttpProblem(
          429,
          'RATE_LIMITED',
          'Too many requests',
          `more than ${limit} requests in ${Math.ceil(windowMs / 1000)} s from this caller; retry after ${String(res.getHeader('retry-after'))} s`,
          { limit, windowMs },
        ),
      );
    },
  });
}
