import { z } from 'zod';

/** Thrown at start when the environment does not describe a runnable service. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment against a schema whose keys are env var names.
 * Every problem is reported at once, naming the variable, the value seen and what is allowed.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Env,
): z.infer<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const seen = env[name];
    const value = seen === undefined ? 'unset' : `got ${JSON.stringify(seen)}`;
    return `${name}: ${issue.message} (${value})`;
  });
  throw new ConfigError(problems);
}

/** Common env var parsers, so every service reads the same names the same way. */
export const env = {
  /** A comma-separated list, e.g. KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9094. */
  list: () =>
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== ''),
      )
      .pipe(z.array(z.string()).min(1, 'must name at least one entry')),
  port: () => z.coerce.number().int().min(1).max(65_535),
  positiveInt: () => z.coerce.number().int().positive(),
  url: () => z.url(),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
} as const;

/** PORT and LOG_LEVEL, read the same way by every service. */
export function serviceEnv(defaultPort: number) {
  return {
    PORT: env.port().default(defaultPort),
    LOG_LEVEL: env.logLevel().default('info'),
  };
}
