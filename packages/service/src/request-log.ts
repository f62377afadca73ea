import { pinoHttp, type HttpLogger } from 'pino-http';
import { callerOf } from './auth/middleware.js';
import type { Logger } from './logger.js';

/** The only request headers a request log shows; credentials and cookies are never among them. */
const LOGGED_HEADERS = [
  'user-agent',
  'content-type',
  'content-length',
  'idempotency-key',
  'if-match',
  'x-correlation-id',
] as const;

/** What pino's standard request serializer hands on (it runs first and keeps every header). */
interface StandardRequestFields {
  readonly id?: unknown;
  readonly method?: string;
  readonly url?: string;
  readonly remoteAddress?: string;
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

function requestFields(req: StandardRequestFields) {
  const headers: Record<string, string> = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers?.[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return {
    id: req.id,
    method: req.method,
    url: req.url,
    remoteAddress: req.remoteAddress,
    headers,
  };
}

/**
 * The request log of every service: one line per answered request with a short allow-list of
 * headers (never Authorization or Cookie), the response status, and the verified caller when the
 * request was authenticated. Probes and scrapes are not logged.
 */
export function requestLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)$/.test(req.url ?? '') },
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    serializers: {
      req: requestFields,
      res: (res: { readonly statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customProps: (req) => {
      const caller = callerOf(req);
      return caller === undefined ? {} : { caller };
    },
  });
}
