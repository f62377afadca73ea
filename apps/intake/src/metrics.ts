import { Counter, Histogram, type Registry } from 'prom-client';

/** The intake's own Prometheus metrics (names: ADR 0011). */
export interface IntakeMetrics {
  readonly accepted: Counter<'type'>;
  readonly rejected: Counter<'type' | 'code'>;
  readonly latency: Histogram<'type' | 'result'>;
}

export function createIntakeMetrics(registry: Registry): IntakeMetrics {
  return {
    accepted: new Counter({
      name: 'tally_commands_accepted_total',
      help: 'Commands accepted (events written), by command type; replays count again',
      labelNames: ['type'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'tally_commands_rejected_total',
      help: 'Commands refused, by stable problem code',
      labelNames: ['type', 'code'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'tally_command_duration_seconds',
      help: 'Time from request to answer of command requests',
      labelNames: ['type', 'result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
