/**
 * The tracing bootstrap, loaded before the app: `node --import @tally/telemetry/register
 * dist/main.js`. With no exporter configured (see `tracingEnabled`) it loads nothing more, so a
 * service without OTEL_* variables runs exactly as before. Stop it with `shutdownTracing()` from
 * `@tally/telemetry` as the last shutdown step.
 */
import { tracingEnabled } from './settings.js';

if (tracingEnabled(process.env)) {
  const { startTracing } = await import('./sdk.js');
  await startTracing();
}
