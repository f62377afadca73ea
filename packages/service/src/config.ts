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

const secretSchemas = new WeakSet<object>();

/**
 * Marks a variable's schema as secret: its value never appears in a ConfigError. Wrap the whole
 * schema, last (`secret(z.string().min(16).optional())`): `.optional()` or `.default()` make a
 * new schema that would not carry the mark.
 */
export function secret<Schema extends z.ZodType>(schema: Schema): Schema {
  secretSchemas.add(schema);
  return schema;
}

/** Names that hold secrets by convention, marked or not: `*_KEY`, `*_SECRET`, `*_PASSWORD`, … */
const SECRET_NAME = /(^|_)(KEY|SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIALS?)$/;
/** A URL with user info (`scheme://user:pass@host`) or a credential in its query string. */
const CREDENTIALS_IN_VALUE =
  /[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@|[?&](password|passwd|secret|token|api[-_]?key|sslpassword)=/i;

/**
 * How a problem shows the value it saw. Values of secret variables (marked, or named like one) and
 * values that carry credentials are never echoed: the message names the variable and the rule only.
 */
function describeSeen(name: string, seen: string | undefined, schema: object | undefined) {
  if (seen === undefined) return 'unset';
  if ((schema !== undefined && secretSchemas.has(schema)) || SECRET_NAME.test(name)) {
    return 'value hidden: secret variable';
  }
  if (CREDENTIALS_IN_VALUE.test(seen)) return 'value hidden: it holds credentials';
  return `got ${JSON.stringify(seen)}`;
}

/**
 * Parses the environment against a schema whose keys are env var names. Every problem is reported
 * at once, naming the variable, the value seen (unless it is secret, see describeSeen) and what
 * is allowed.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Env,
): z.infer<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    // A list variable's issue has the entry's index after the variable's name.
    const [name = '', ...inside] = issue.path.map(String);
    const where = inside.length === 0 ? '' : `entry ${Number(inside[0]) + 1}: `;
    const seen = env[name];
    const value = describeSeen(
      name,
      seen,
      (shape as Readonly<Record<string, object | undefined>>)[name],
    );
    // A custom message could quote the value; a hidden one must not leak that way either.
    const message =
      seen !== undefined && seen !== '' && !value.startsWith('got') && issue.message.includes(seen)
        ? 'invalid value'
        : issue.message;
    return `${name}: ${where}${message} (${value})`;
  });
  throw new ConfigError(problems);
}

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: DAY_MS } as const;

/** Common env var parsers, so every service reads the same names the same way. */
export const env = {
  /** A duration like 30d, 12h, 15m, 90s or 500ms, as milliseconds. */
  duration: () =>
    z
      .string()
      .regex(/^\d{1,9}(ms|s|m|h|d)$/, 'a duration such as 30d, 12h, 15m, 90s or 500ms')
      .transform((value) => {
        const unit = /(ms|s|m|h|d)$/.exec(value)?.[1] as keyof typeof UNIT_MS;
        return Number.parseInt(value, 10) * UNIT_MS[unit];
      })
      .pipe(z.number().int().positive('longer than zero')),
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
