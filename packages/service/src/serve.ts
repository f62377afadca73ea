import { createServer, type RequestListener, type Server } from 'node:http';
import { shutdownTracing } from '@tally/telemetry';
import { answerClientErrorsAsProblems, closeHttpServer } from './http-server.js';
import type { Logger } from './logger.js';
import { installGracefulShutdown, type ShutdownStep } from './shutdown.js';

/**
 * Resolves once the server listens; rejects with the error when it cannot (e.g. EADDRINUSE).
 * Requests Node cannot parse are answered as problem+json too.
 */
export function listen(app: RequestListener, port: number, host?: string): Promise<Server> {
  const server = createServer(app);
  answerClientErrorsAsProblems(server);
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
      server.off('error', failed);
      resolve(server);
    });
  });
}

export interface ServeOptions {
  readonly name: string;
  readonly app: RequestListener;
  readonly port: number;
  readonly host?: string;
  readonly logger: Logger;
  /**
   * Run in order after the HTTP server closed: stop consumers, close stores, disconnect. Flushing
   * the spans (`shutdownTracing`) always comes last.
   */
  readonly steps: readonly ShutdownStep[];
  /** After this the process exits with code 1, whatever is still running. */
  readonly shutdownTimeoutMs: number;
  /** Injected so tests can observe the exit instead of losing the process. */
  readonly exit?: (code: number) => void;
  readonly signals?: readonly NodeJS.Signals[];
}

export interface RunningService {
  readonly server: Server;
  /**
   * Stops gracefully: no new requests, in-flight ones answered, then every step. With a failure
   * (a consumer that crashed for good, say) it is logged and the process exits 1, not 0.
   */
  shutdown(failure?: unknown): Promise<void>;
}

/**
 * The one way a service listens. SIGTERM/SIGINT, or `shutdown(failure)`, close the HTTP server
 * and run the steps; when listening fails (the port is taken) the steps run too and the process
 * exits 1, so a service never keeps running without its server.
 */
export async function serve(options: ServeOptions): Promise<RunningService> {
  const { logger, port } = options;
  let server: Server | undefined;
  const shutdown = installGracefulShutdown({
    logger,
    timeoutMs: options.shutdownTimeoutMs,
    ...(options.exit ? { exit: options.exit } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    steps: [
      // Stop taking requests first; in-flight ones still see the running service.
      { name: 'http', run: () => (server ? closeHttpServer(server) : Promise.resolve()) },
      ...options.steps,
      // Last: the spans of everything above are exported before the process exits.
      { name: 'tracing', run: () => shutdownTracing() },
    ],
  });
  try {
    server = await listen(options.app, port, options.host);
  } catch (error) {
    await shutdown(error);
    throw error;
  }
  logger.info({ port }, `${options.name} listening`);
  return { server, shutdown };
}
