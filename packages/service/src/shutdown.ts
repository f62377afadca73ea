import type { Logger } from './logger.js';

export interface ShutdownStep {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export interface GracefulShutdownOptions {
  readonly logger: Logger;
  /** Run in order: e.g. stop taking requests, finish in-flight work, commit, disconnect. */
  readonly steps: readonly ShutdownStep[];
  /** After this the process exits with code 1, whatever is still running. */
  readonly timeoutMs?: number;
  readonly signals?: readonly NodeJS.Signals[];
  /** Injected so tests can observe the exit instead of losing the process. */
  readonly exit?: (code: number) => void;
}

/**
 * Installs handlers for SIGTERM and SIGINT that run the steps once, in order, then exit. A second
 * signal while shutting down is ignored; a step that fails is logged and the next still runs,
 * so a broken dependency never keeps the others from closing. The returned function starts the
 * same shutdown; given a failure, it logs it and the exit code is 1 even if every step succeeds.
 */
export function installGracefulShutdown(
  options: GracefulShutdownOptions,
): (failure?: unknown) => Promise<void> {
  const { logger, steps, timeoutMs = 30_000, signals = ['SIGTERM', 'SIGINT'] } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | undefined;

  const shutdown = (failure?: unknown): Promise<void> => {
    if (failure !== undefined && running === undefined) {
      logger.error({ err: failure }, 'shutting down after a failure');
    }
    running ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown timed out');
        exit(1);
      }, timeoutMs);
      timer.unref();
      let failed = failure !== undefined;
      for (const step of steps) {
        try {
          await step.run();
          logger.info({ step: step.name }, 'shutdown step done');
        } catch (error) {
          failed = true;
          logger.error({ step: step.name, err: error }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      exit(failed ? 1 : 0);
    })();
    return running;
  };

  for (const signal of signals) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      void shutdown();
    });
  }
  return shutdown;
}
