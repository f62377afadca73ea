export { ConfigError, env, loadConfig, serviceEnv } from './config.js';
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
export { badParam, intParam, stringParam } from './query.js';
export { listen, serve, type RunningService, type ServeOptions } from './serve.js';
export {
  databaseEnv,
  inTransaction,
  openStore,
  type StoreOpeners,
  type TransactionClient,
} from './store.js';
