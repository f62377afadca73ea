import type { RequestHandler } from 'express';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { runReadinessChecks, type ReadinessCheck } from './readiness.js';

/** Probes and scrapes: not requests the service serves, and frequent enough to skew rates. */
const UNMEASURED = /^\/(healthz|readyz|metrics)$/;

/**
 * `tally_http_request_duration_seconds{method, route, code}`: every request the service answers,
 * from arrival to the last byte, by route pattern (`/accounts/:accountId`, never the raw path, so
 * the label stays bounded; `unmatched` for 404s).
 */
export function httpMetricsMiddleware(registry: Registry): RequestHandler {
  const name = 'tally_http_request_duration_seconds';
  // One histogram per registry, however many apps share it (tests build several).
  const registered = registry.getSingleMetric(name) as Histogram<'method' | 'route' | 'code'>;
  const duration =
    registered ??
    new Histogram({
      name,
      help: 'Time from request to response, by method, route pattern and status code',
      labelNames: ['method', 'route', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  return (req, res, next) => {
    if (UNMEASURED.test(req.path)) {
      next();
      return;
    }
    const stop = duration.startTimer();
    res.once('finish', () => {
      const route =
        typeof req.route?.path === 'string' ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      stop({ method: req.method, route, code: String(res.statusCode) });
    });
    next();
  };
}

/**
 * `tally_ready`: 1 while the service's readiness checks pass, 0 otherwise, evaluated at each
 * scrape (the same checks as `/readyz`), so alerts see readiness whoever probes it.
 */
export function readinessGauge(registry: Registry, checks: readonly ReadinessCheck[]): Gauge {
  // The app built last reports its checks (tests build several apps on one registry).
  registry.removeSingleMetric('tally_ready');
  return new Gauge({
    name: 'tally_ready',
    help: '1 when every readiness check passes (what /readyz answers 200 for), else 0',
    registers: [registry],
    async collect() {
      this.set((await runReadinessChecks(checks)).ready ? 1 : 0);
    },
  });
}
