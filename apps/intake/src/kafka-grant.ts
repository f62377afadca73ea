import type { Grant } from '@tally/kafka';
import type { IntakeConfig } from './config.js';

/**
 * What the intake's Kafka principal needs, from the same config the service runs with: it creates
 * and checks its four topics, reads commands, events and its changelog, writes commands (HTTP),
 * events, outcomes and changelog entries in transactions under its own ids, in its own groups.
 */
export function intakeKafkaGrant(config: IntakeConfig, user: string): Grant {
  const events = config.TALLY_EVENTS_TOPIC;
  const commands = config.TALLY_COMMANDS_TOPIC;
  const outcomes = config.TALLY_OUTCOMES_TOPIC;
  const changelog = config.TALLY_INTAKE_CHANGELOG_TOPIC;
  return {
    user,
    creates: [events, commands, outcomes, changelog],
    reads: [commands, events, changelog],
    writes: [commands, events, outcomes, changelog],
    groupPrefix: config.INTAKE_PROCESSOR_GROUP,
    transactionalIdPrefix: config.INTAKE_TRANSACTIONAL_ID_PREFIX,
  };
}
