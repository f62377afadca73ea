import {
  authenticate,
  createHttpApp,
  methodNotAllowed,
  rateLimitPerCaller,
  type Logger,
  type RateLimitOptions,
  type ReadinessCheck,
  type TokenVerifier,
} from '@tally/service';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { commandRoutes } from './api.js';
import { processRoutes } from './process-routes.js';
import type { CommandGateway } from './gateway.js';
import { createIntakeMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';

export interface IntakeAppDeps {
  readonly gateway: CommandGateway;
  /** Verifies callers' bearer tokens: ledger:write for commands, also ledger:read for balances. */
  readonly verifier: TokenVerifier;
  /** Commands per caller and window (429 beyond). */
  readonly rateLimit: RateLimitOptions;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly readiness?: readonly ReadinessCheck[];
  readonly now?: () => number;
}

/** 64 kB: far above any valid command, small enough that no body costs real memory. */
export const BODY_LIMIT = 64 * 1024;

/** Builds the intake's express app (it does not listen). */
export function createIntakeApp(deps: IntakeAppDeps): Express {
  const metrics = createIntakeMetrics(deps.metrics);
  const app = createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimit: BODY_LIMIT,
    readiness: [deps.verifier.readiness, ...(deps.readiness ?? [])],
    routes: (router) => {
      router.get('/openapi.json', (_req, res) => {
        res.json(openApiDocument);
      });
      router.all('/openapi.json', methodNotAllowed(['GET', 'HEAD']));
      router.use(authenticate(deps.verifier));
      const routeDeps = {
        gateway: deps.gateway,
        metrics,
        rateLimit: rateLimitPerCaller(deps.rateLimit),
        ...(deps.now ? { now: deps.now } : {}),
      };
      commandRoutes(router, routeDeps);
      processRoutes(router, routeDeps);
    },
  });
  // The only ETag is the account version, for readers of the account; never express's body hash,
  // which a client could mistake for a version to send in If-Match.
  app.set('etag', false);
  return app;
}
