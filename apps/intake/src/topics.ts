import { ensureAccountEventsTopic } from '@tally/events';
import { ensureTopic, type TopicSpec } from '@tally/kafka';
import type { Admin } from 'kafkajs';

const SEVEN_DAYS_MS = String(7 * 24 * 60 * 60 * 1000);

export interface IntakeTopics {
  readonly events: string;
  readonly commands: string;
  readonly outcomes: string;
  readonly changelog: string;
}

/**
 * Creates or verifies the intake's topics with one partition count: commands, events, outcomes
 * and the state changelog of an account share a partition number, which is what lets one owner
 * decide alone and restore a partition's state from one changelog partition.
 */
export async function ensureIntakeTopics(
  admin: Admin,
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
    // The audit needs every outcome forever.
    configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1', ...isr },
  };
  const changelog: TopicSpec = {
    topic: topics.changelog,
    partitions,
    replicationFactor,
    // Compaction keeps the latest value of each entry; a restore reads live entries only.
    configs: { 'cleanup.policy': 'compact', ...isr },
  };
  await ensureAccountEventsTopic(admin, { topic: topics.events, partitions, replicationFactor });
  await ensureTopic(admin, commands);
  await ensureTopic(admin, outcomes);
  await ensureTopic(admin, changelog);
}
