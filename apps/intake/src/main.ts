import { createLogger, serve } from '@tally/service';
import { loadIntakeConfig } from './config.js';
import { startIntake } from './runtime.js';

const config = loadIntakeConfig(process.env);
const logger = createLogger('intake', config.LOG_LEVEL);
const runtime = await startIntake(config, logger);
await serve({
  name: 'intake',
  app: runtime.app,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.INTAKE_SHUTDOWN_TIMEOUT_MS,
  // After the HTTP server: in-flight requests still get their outcome from the running processor.
  steps: [{ name: 'kafka', run: () => runtime.stop() }],
});
