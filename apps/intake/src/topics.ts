import { ensureAccountEventsTopic } from '@tally/events';
import { ensureTopic, type KafkaAdmin, type TopicSpec } from '@tally/kafka';

const SEVEN_DAYS_MS = String(7 * 24 * 60 * 60 * 1000);

export interface IntakeTopics {
  readonly events: string;
  readonly commands: string;
  readonly outcomes: string;
}

/**
 * Creates or verifies the three topics with one partition count: commands, events and outcomes
 * of an account share a partition number, which is what lets one owner decide alone.
 */
export async function ensureIntakeTopics(
  admin: KafkaAdmin,
  topics: IntakeTopics,
  partitions: number,
  replicationFactor: number,
): Promise<void> {
  const isr = replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {};
  const commands: TopicSpec = {
    topic: topics.commands,
    partitions,
    replicationFactor,
    // Commands are only needed until decided; their outcomes are the record.
    configs: { 'cleanup.policy': 'delete', 'retention.ms': SEVEN_DAYS_MS, ...isr },
  };
  const outcomes: TopicSpec = {
    topic: topics.outcomes,
    partitions,
    replicationFactor,
    // Idempotency and audit need every outcome forever.
    configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1', ...isr },
  };
  await ensureAccountEventsTopic(admin, { topic: topics.events, partitions, replicationFactor });
  await ensureTopic(admin, commands);
  await ensureTopic(admin, outcomes);
}
