import { consumerMetrics, type ConsumerMetrics } from '@tally/kafka';
import { createMetricsRegistry } from '@tally/service';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The audit's Prometheus metrics (names: ADR 0011): the shared consumer metrics and its own. */
export interface AuditMetrics {
  readonly registry: Registry;
  /** Lag, offsets, halts and batch time of the audited topics. */
  readonly consumer: ConsumerMetrics;
  readonly entries: Counter<'kind'>;
  readonly anomalies: Counter<'reason'>;
  readonly verifyFailures: Counter;
  /** Witness checks (the log against the Kafka topics) by result: ok, difference, error. */
  readonly witnessRuns: Counter<'result'>;
  /** Partitions (and unknown chains) with a difference in the last witness check. */
  readonly witnessDifferences: Gauge;
  readonly witnessLastRun: Gauge<'result'>;
  readonly witnessSeconds: Gauge;
  readonly witnessRecords: Gauge<'state'>;
  readonly digestsSigned: Counter;
  readonly digestFailures: Counter<'step'>;
  readonly digestLastSigned: Gauge;
  readonly digestSequence: Gauge;
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
    // Named by the scheme tally_<what>_<unit>, labelled by service (the registry's default label).
    witnessRuns: new Counter({
      name: 'tally_audit_witness_runs_total',
      help: 'Witness checks of the audit log against the Kafka topics, by result (ok, difference, error)',
      labelNames: ['result'],
      registers: [registry],
    }),
    witnessDifferences: new Gauge({
      name: 'tally_audit_witness_differences',
      help: 'Partitions and unknown chains where the last witness check found a difference (0: the log matches the topics)',
      registers: [registry],
    }),
    witnessLastRun: new Gauge({
      name: 'tally_audit_witness_last_run_timestamp_seconds',
      help: 'When the last witness check of each result finished (Unix time)',
      labelNames: ['result'],
      registers: [registry],
    }),
    witnessSeconds: new Gauge({
      name: 'tally_audit_witness_duration_seconds',
      help: 'How long the last finished witness check took',
      registers: [registry],
    }),
    witnessRecords: new Gauge({
      name: 'tally_audit_witness_records',
      help: 'Records of the last witness check: matched (in the log, unchanged, in order) and not yet ingested',
      labelNames: ['state'],
      registers: [registry],
    }),
    digestsSigned: new Counter({
      name: 'tally_audit_digests_signed_total',
      help: 'Ed25519 digests signed, stored and queued for export',
      registers: [registry],
    }),
    digestFailures: new Counter({
      name: 'tally_audit_digest_failures_total',
      help: 'Digests that could not be signed or exported, by step (sign, export)',
      labelNames: ['step'],
      registers: [registry],
    }),
    digestLastSigned: new Gauge({
      name: 'tally_audit_digest_last_signed_timestamp_seconds',
      help: 'createdAt of the newest signed digest (Unix time)',
      registers: [registry],
    }),
    digestSequence: new Gauge({
      name: 'tally_audit_digest_sequence',
      help: 'Sequence number of the newest signed digest',
      registers: [registry],
    }),
  };
}
