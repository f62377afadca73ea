export { ConfigError, env, loadConfig } from './config.js';
export { createHttpApp, type HttpAppOptions } from './http.js';
export { closeHttpServer } from './http-server.js';
export { createLogger, type Logger } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export {
  HttpProblem,
  notFoundHandler,
  problemBody,
  problemMiddleware,
  PROBLEM_CONTENT_TYPE,
  type ProblemExtensions,
} from './problem.js';
export { runReadinessChecks, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export {
  installGracefulShutdown,
  type GracefulShutdownOptions,
  type ShutdownStep,
} from './shutdown.js';
