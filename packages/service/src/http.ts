import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { notFoundHandler, problemMiddleware } from './problem.js';
import { runReadinessChecks, type ReadinessCheck } from './readiness.js';
import { requestLogger } from './request-log.js';

export interface HttpAppOptions {
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly readiness?: readonly ReadinessCheck[];
  /** Largest JSON body accepted; larger ones get 413 problem+json. */
  readonly bodyLimit?: string | number;
  /** Mounts the service's own routes between the kit's routes and the 404/problem handlers. */
  readonly routes: (app: Express) => void;
}

/**
 * An express app with what every Tally service serves the same way: request logs, JSON bodies
 * with a size limit, /healthz, /readyz, /metrics, 404 and RFC 7807 errors. It never listens.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, metrics, readiness = [], bodyLimit = '64kb' } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogger(logger));
  // Parse JSON whatever the declared type, so a wrong Content-Type is a clear 4xx, not an empty body.
  app.use(express.json({ limit: bodyLimit, type: () => true, strict: false }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await runReadinessChecks(readiness);
    res.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  options.routes(app);

  app.use(notFoundHandler);
  app.use(problemMiddleware((error, message) => logger.error({ err: error }, message)));
  return app;
}
