import {
  answerClientErrorsAsProblems,
  closeHttpServer,
  createLogger,
  installGracefulShutdown,
} from '@tally/service';
import { loadIntakeConfig } from './config.js';
import { startIntake } from './runtime.js';

const config = loadIntakeConfig(process.env);
const logger = createLogger('intake', config.LOG_LEVEL);
/** Set once the shutdown is installed; a failure before that exits at once. */
const shutdown: { run?: () => Promise<void> } = {};
const runtime = await startIntake(config, logger, {
  // Not ready from now on (readiness reports it); exit non-zero so that it is restarted.
  onFatal: () => {
    process.exitCode = 1;
    const forced = setTimeout(() => process.exit(1), 5_000);
    forced.unref();
    void (shutdown.run?.() ?? Promise.resolve()).finally(() => process.exit(1));
  },
});
const server = runtime.app.listen(config.PORT, () => {
  logger.info({ port: config.PORT }, 'intake listening');
});
answerClientErrorsAsProblems(server);

shutdown.run = installGracefulShutdown({
  logger,
  timeoutMs: config.INTAKE_SHUTDOWN_TIMEOUT_MS,
  steps: [
    {
      // Stop taking requests; in-flight ones still get their outcome from the running processor.
      name: 'http',
      run: () => closeHttpServer(server),
    },
    { name: 'kafka', run: () => runtime.stop() },
  ],
  exit: (code) => process.exit(process.exitCode === 1 ? 1 : code),
});
