export { ConfigError, env, loadConfig, secret, serviceEnv } from './config.js';
export { createHttpApp, MAX_JSON_DEPTH, type HttpAppOptions } from './http.js';
export { answerClientErrorsAsProblems, closeHttpServer } from './http-server.js';
export { createLogger, REDACTED_PATHS, type Logger } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export {
  HttpProblem,
  methodNotAllowed,
  notFoundHandler,
  problemBody,
  problemMiddleware,
  PROBLEM_CONTENT_TYPE,
  type ProblemExtensions,
} from './problem.js';
export { rateLimitEnv, rateLimitPerCaller, type RateLimitOptions } from './rate-limit.js';
export { runReadinessChecks, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export { requestLogger } from './request-log.js';
export {
  installGracefulShutdown,
  type GracefulShutdownOptions,
  type ShutdownStep,
} from './shutdown.js';
export { badParam, intParam, parsedParam, stringParam } from './query.js';
export * from './time.js';
export {
  apiDocument,
  problemResponse,
  secured,
  type ApiDocumentOptions,
  type SecuredOptions,
} from './openapi.js';
export { listen, serve, type RunningService, type ServeOptions } from './serve.js';
export {
  classifyStoreError,
  databaseEnv,
  inTransaction,
  MultiRowInsert,
  StoreRefusedError,
  openStore,
  type RunnableStatement,
  type StoreOpeners,
  type TransactionClient,
} from './store.js';
export {
  canRead,
  canWrite,
  hasScope,
  mayAccessAccount,
  requireAccount,
  requireAllAccounts,
} from './auth/authorization.js';
export { authEnv, tokenVerifierFromConfig, type AuthConfig } from './auth/config.js';
export {
  fileKeys,
  inlineKeys,
  KeySetError,
  KeysUnavailableError,
  parseKeySet,
  remoteKeys,
  type VerificationKeys,
} from './auth/keys.js';
export {
  ensureLocalSigningKey,
  loadLocalSigningKey,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  localAuthPaths,
  rotateLocalSigningKey,
} from './auth/local-keys.js';
export { localStateDir } from './cli/state-dir.js';
export {
  authenticate,
  callerOf,
  OPEN_PATHS,
  principalOf,
  requireScope,
  type AuthenticateOptions,
} from './auth/middleware.js';
export {
  actorOf,
  ClaimsError,
  DEFAULT_ACCOUNTS_CLAIM,
  principalFromClaims,
  SCOPES,
  type Principal,
  type Scope,
} from './auth/principal.js';
export {
  clientCredentialsTokenSource,
  selfSignedTokenSource,
  serviceTokenEnv,
  serviceTokenSourceFromConfig,
  TokenSourceError,
  type AccessTokenSource,
  type ServiceTokenConfig,
} from './auth/service-token.js';
export {
  loadSigningKey,
  mintAccessToken,
  type AccessTokenClaims,
  type SigningKey,
} from './auth/signing.js';
export {
  ASYMMETRIC_ALGORITHMS,
  createTokenVerifier,
  DEFAULT_ALGORITHMS,
  TokenRejectedError,
  type AsymmetricAlgorithm,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './auth/verifier.js';
