import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout, one line per record, tagged with the service name. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({ name: service, level, base: { service } });
}
