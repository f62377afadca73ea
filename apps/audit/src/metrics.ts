import { createMetricsRegistry } from '@tally/service';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AuditMetrics {
  readonly registry: Registry;
  readonly entries: Counter<'kind'>;
  readonly anomalies: Counter<'reason'>;
  readonly batchSeconds: Histogram;
  readonly lag: Gauge<'topic'>;
  readonly verifyFailures: Counter;
}

export function createAuditMetrics(): AuditMetrics {
  const registry = createMetricsRegistry('audit');
  return {
    registry,
    entries: new Counter({
      name: 'audit_entries_appended_total',
      help: 'Entries appended to the audit log, by kind (event, outcome, anomaly)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    anomalies: new Counter({
      name: 'audit_anomalies_total',
      help: 'Records that could not be decoded, recorded as anomaly entries',
      labelNames: ['reason'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'audit_batch_seconds',
      help: 'Time to decode, hash and commit one fetched batch',
      buckets: [0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'audit_consumer_lag',
      help: 'Records not yet in the audit log, per topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    verifyFailures: new Counter({
      name: 'audit_verify_failures_total',
      help: 'Verifications that found a bad entry',
      registers: [registry],
    }),
  };
}
