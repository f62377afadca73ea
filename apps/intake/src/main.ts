import { createLogger, serve, type RunningService } from '@tally/service';
import { loadIntakeServiceConfig } from './config.js';
import { startIntake } from './runtime.js';

const config = loadIntakeServiceConfig(process.env);
const logger = createLogger('intake', config.LOG_LEVEL);
let running: RunningService | undefined;
/** A failure for good before the server listened; the shutdown starts as soon as it can. */
let early: unknown;
const runtime = await startIntake(config, logger, {
  // Not ready from now on (readiness reports it); exit 1 through the graceful shutdown, so that
  // the orchestrator restarts the instance.
  onFatal: (error) => {
    if (running === undefined) early ??= error;
    else void running.shutdown(error);
  },
});
running = await serve({
  name: 'intake',
  app: runtime.app,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.INTAKE_SHUTDOWN_TIMEOUT_MS,
  // After the HTTP server: in-flight requests still get their outcome from the running processor.
  steps: [{ name: 'kafka', run: () => runtime.stop() }],
});
if (early !== undefined) void running.shutdown(early);
