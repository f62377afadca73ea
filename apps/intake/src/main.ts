import { closeHttpServer, createLogger, installGracefulShutdown } from '@tally/service';
import { loadIntakeConfig } from './config.js';
import { startIntake } from './runtime.js';

const config = loadIntakeConfig(process.env);
const logger = createLogger('intake', config.LOG_LEVEL);
const runtime = await startIntake(config, logger);
const server = runtime.app.listen(config.PORT, () => {
  logger.info({ port: config.PORT }, 'intake listening');
});

installGracefulShutdown({
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
});
