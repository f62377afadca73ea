import type { Grant } from '@tally/kafka';
import type { ProjectorConfig } from './config.js';

/** The projector's Kafka principal reads the events in its own groups (service and rebuilds); no writes. */
export function projectorKafkaGrant(config: ProjectorConfig, user: string): Grant {
  return { user, reads: [config.TALLY_EVENTS_TOPIC], groupPrefix: config.PROJECTOR_GROUP_ID };
}
