import { auditKafkaGrant, loadAuditConfig } from '@tally/audit';
import { intakeKafkaGrant, loadIntakeConfig } from '@tally/intake';
import type { Grant } from '@tally/kafka';
import { loadProjectorConfig, projectorKafkaGrant } from '@tally/projector';

type Vars = Readonly<Record<string, string | undefined>>;

/**
 * The Kafka grants of the three services, each from the config that service would load from
 * `vars` (topics, groups, transactional ids), for the principals `intake`, `projector`, `audit`.
 */
export function serviceGrants(vars: Vars): Grant[] {
  return [
    intakeKafkaGrant(loadIntakeConfig(vars), 'intake'),
    projectorKafkaGrant(loadProjectorConfig(vars), 'projector'),
    auditKafkaGrant(loadAuditConfig(vars), 'audit'),
  ];
}
