import { createHttpApp, methodNotAllowed, type Logger, type ReadinessCheck } from '@tally/service';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { commandRoutes } from './api.js';
import type { CommandGateway } from './gateway.js';
import { createIntakeMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';

export interface IntakeAppDeps {
  readonly gateway: CommandGateway;
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
  return createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimit: BODY_LIMIT,
    readiness: deps.readiness ?? [],
    routes: (app) => {
      app.get('/openapi.json', (_req, res) => {
        res.json(openApiDocument);
      });
      app.all('/openapi.json', methodNotAllowed(['GET', 'HEAD']));
      commandRoutes(app, {
        gateway: deps.gateway,
        metrics,
        ...(deps.now ? { now: deps.now } : {}),
      });
    },
  });
}
