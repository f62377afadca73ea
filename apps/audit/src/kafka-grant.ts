import type { Grant } from '@tally/kafka';
import type { AuditConfig } from './config.js';

/**
 * The audit's Kafka principal reads events and, when audited, outcomes, in its own groups
 * (`<group>` and `<group>-outcomes`); no writes.
 */
export function auditKafkaGrant(config: AuditConfig, user: string): Grant {
  return {
    user,
    reads: [
      config.TALLY_EVENTS_TOPIC,
      ...(config.AUDIT_INGEST_OUTCOMES ? [config.TALLY_OUTCOMES_TOPIC] : []),
    ],
    groupPrefix: config.AUDIT_GROUP_ID,
  };
}
