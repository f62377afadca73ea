/** The process environment, or a test's stand-in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/**
 * Whether the tracing SDK starts. Off unless an exporter is configured: `OTEL_TRACES_EXPORTER`
 * names one (other than `none`), or an OTLP endpoint is set. `OTEL_SDK_DISABLED=true` wins over
 * both. The SDK itself would default to an OTLP exporter on localhost; we do not, so that a
 * service started without any OTEL_* variable pays nothing and sends nothing.
 */
export function tracingEnabled(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = list(env.OTEL_TRACES_EXPORTER).filter((name) => name !== 'null');
  if (exporters.length > 0) return !exporters.every((name) => name === 'none');
  return isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT) || isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * The service name to use when the environment names none (`OTEL_SERVICE_NAME`, or `service.name`
 * in `OTEL_RESOURCE_ATTRIBUTES`): derived from the entry script's package, `@tally/intake` →
 * `tally-intake`. Undefined when the environment names one or there is no package name.
 */
export function fallbackServiceName(env: Env, packageName: string | undefined): string | undefined {
  if (isSet(env.OTEL_SERVICE_NAME)) return undefined;
  const attributes = (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').map((pair) => pair.trim());
  if (attributes.some((pair) => pair.startsWith('service.name='))) return undefined;
  if (packageName === undefined || packageName === '') return undefined;
  return packageName.replace(/^@/, '').replace('/', '-');
}

/**
 * Metrics and logs go to Prometheus (`/metrics`) and stdout; the SDK would otherwise start OTLP
 * exporters for them by default. They start only when their variable asks for them.
 */
export function otherSignalsRequested(env: Env): { metrics: boolean; logs: boolean } {
  const wanted = (name: string | undefined) => list(name).some((value) => value !== 'none');
  return { metrics: wanted(env.OTEL_METRICS_EXPORTER), logs: wanted(env.OTEL_LOGS_EXPORTER) };
}
