import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { setTracingHandle } from './lifecycle.js';
import { fallbackServiceName, otherSignalsRequested, type Env } from './settings.js';

/** Probes and scrapes: frequent, uninteresting, and they would crowd out real traces. */
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

/** The name of the nearest package.json above the entry script, if any. */
function entryPackageName(entry: string | undefined): string | undefined {
  if (entry === undefined) return undefined;
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    try {
      const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
      };
      return typeof name === 'string' ? name : undefined;
    } catch {
      if (dirname(dir) === dir) return undefined;
    }
  }
}

/**
 * Starts the OpenTelemetry Node SDK with HTTP, Express and pg instrumentation. Everything else
 * (exporter, endpoint, protocol, sampler, resource, propagators, batching, limits) comes from the
 * standard OTEL_* variables, read by the SDK itself. Must run before the app imports express or
 * pg: the ESM loader hook only sees modules loaded after it is registered.
 */
export async function startTracing(env: Env = process.env): Promise<void> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const configuration: Partial<NodeSDKConfiguration> = {
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
        // Background calls (registry lookups, reconciliation polls) only inside a traced operation.
        requireParentforOutgoingSpans: true,
      }),
      // Route and handler spans only: one span per middleware would bury the handler.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  };
  const serviceName = fallbackServiceName(env, entryPackageName(process.argv[1]));
  if (serviceName !== undefined) configuration.serviceName = serviceName;
  const signals = otherSignalsRequested(env);
  if (!signals.metrics) configuration.metricReaders = [];
  if (!signals.logs) configuration.logRecordProcessors = [];

  const sdk = new NodeSDK(configuration);
  sdk.start();
  setTracingHandle(sdk);
  // The loader thread must know every hooked module before the app's imports are resolved.
  await waitForAllMessagesAcknowledged();
}
