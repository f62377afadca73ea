import { withLogContext } from '@tally/telemetry';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { httpMetricsMiddleware, readinessGauge } from './http-metrics.js';
import type { Logger } from './logger.js';
import { HttpProblem, methodNotAllowed, notFoundHandler, problemMiddleware } from './problem.js';
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

const JSON_TYPES = ['application/json', '+json'];
/** Far deeper than any document a service takes; deeper ones are only good for attacks. */
export const MAX_JSON_DEPTH = 32;

/** True when objects or arrays nest deeper than maxDepth (iterative: no stack to overflow). */
function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The X-Correlation-Id header when it has the shape the services accept (1-200 printable ASCII
 * characters without spaces); anything else stays off the log lines and is refused by the route
 * that reads it.
 */
function loggableCorrelationId(header: string | undefined): string | undefined {
  return header !== undefined && /^[\x21-\x7e]{1,200}$/.test(header) ? header : undefined;
}

/**
 * An express app with what every Tally service serves the same way: request logs, request
 * durations and readiness as metrics, JSON bodies with a size limit, /healthz, /readyz, /metrics,
 * 404 and RFC 7807 errors. It never listens.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, metrics, readiness = [], bodyLimit = '64kb' } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Every log line of a request, its completion line included, names its correlation id.
  app.use((req, _res, next) => {
    withLogContext({ correlationId: loggableCorrelationId(req.get('x-correlation-id')) }, next);
  });
  app.use(httpMetricsMiddleware(metrics));
  readinessGauge(metrics, readiness);
  app.use(requestLogger(logger));
  app.use(express.json({ limit: bodyLimit, type: JSON_TYPES, strict: false }));
  // A body of any other declared type is refused, not guessed at.
  app.use((req, _res, next) => {
    if (req.is(JSON_TYPES) === false && req.get('content-length') !== '0') {
      next(
        new HttpProblem(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'Unsupported media type',
          `request bodies are JSON: Content-Type application/json or */*+json, not ${req.get('content-type') ?? 'none'}`,
          { accepted: ['application/json', '*/*+json'] },
        ),
      );
      return;
    }
    if (exceedsDepth(req.body, MAX_JSON_DEPTH)) {
      next(
        new HttpProblem(
          400,
          'JSON_TOO_DEEP',
          'JSON nested too deeply',
          `the request body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep`,
          { maxDepth: MAX_JSON_DEPTH },
        ),
      );
      return;
    }
    next();
  });

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

  for (const path of ['/healthz', '/readyz', '/metrics'])
    app.all(path, methodNotAllowed(['GET', 'HEAD']));
  options.routes(app);

  app.use(notFoundHandler);
  app.use(problemMiddleware((error, message) => logger.error({ err: error }, message)));
  return app;
}
