import { consumerMetrics, type ConsumerMetrics } from '@tally/kafka';
import { createMetricsRegistry } from '@tally/service';
import { Counter, type Registry } from 'prom-client';

/** The audit's Prometheus metrics (names: ADR 0011): the shared consumer metrics and its own. */
export interface AuditMetrics {
  readonly registry: Registry;
  /** Lag, offsets, halts and batch time of the audited topics. */
  readonly consumer: ConsumerMetrics;
  readonly entries: Counter<'kind'>;
  readonly anomalies: Counter<'reason'>;
  readonly verifyFailures: Counter;
}

export function createAuditMetrics(): AuditMetrics {
  const registry = createMetricsRegistry('audit');
  return {
    registry,
    consumer: consumerMetrics(registry),
    entries: new Counter({
      name: 'tally_audit_log_entries_total',
      help: 'Entries appended to the audit log, by kind (event, outcome, anomaly)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    anomalies: new Counter({
      name: 'tally_audit_log_anomalies_total',
      help: 'Records that could not be decoded, recorded as anomaly entries',
      labelNames: ['reason'],
      registers: [registry],
    }),
    verifyFailures: new Counter({
      name: 'tally_audit_chain_verify_failures_total',
      help: 'Verifications that found a bad entry',
      registers: [registry],
    }),
  };
}
