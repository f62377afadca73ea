import { logContextFields } from '@tally/telemetry';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino masks in every record, wherever a log call puts them: credentials (bearer tokens,
 * cookies, passwords, client secrets) and personal data (the account owner's name). A leading
 * `*` covers one level of nesting, e.g. `{ account: { owner } }` or `{ req: { headers } }`.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["proxy-authorization"]',
  '*.headers["set-cookie"]',
  ...['owner', 'password', 'token', 'accessToken', 'access_token', 'client_secret'].flatMap(
    (field) => [field, `*.${field}`, `*.*.${field}`],
  ),
];

/**
 * JSON logs on stdout (or `destination`), one line per record, tagged with the service name.
 * Inside a request or a record every line also carries `trace_id` and `span_id` (when traced) and
 * `correlationId` (see `withLogContext` in @tally/telemetry); redaction applies to them too.
 */
export function createLogger(
  service: string,
  level = 'info',
  destination?: DestinationStream,
): Logger {
  const options = {
    name: service,
    level,
    base: { service },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    mixin: logContextFields,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
