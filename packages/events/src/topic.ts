import { ensureTopic, type KafkaAdmin, type TopicSpec } from '@tally/kafka';

export const ACCOUNT_EVENTS_TOPIC = 'bank.account-events.v1';

/**
 * The system of record: every account event, keyed by accountId, kept forever. Never compacted
 * (compaction would keep only the last event per account) and never deleted by time or size.
 */
export function accountEventsTopicSpec(options: {
  topic?: string;
  partitions: number;
  replicationFactor: number;
}): TopicSpec {
  return {
    topic: options.topic ?? ACCOUNT_EVENTS_TOPIC,
    partitions: options.partitions,
    replicationFactor: options.replicationFactor,
    configs: {
      'cleanup.policy': 'delete',
      'retention.ms': '-1',
      'retention.bytes': '-1',
      ...(options.replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {}),
    },
  };
}

/**
 * Creates the events topic, or verifies it; throws TopicMismatchError, and so refuses to run,
 * when an existing topic would delete or compact events or has another partition count.
 */
export function ensureAccountEventsTopic(
  admin: KafkaAdmin,
  options: Parameters<typeof accountEventsTopicSpec>[0],
): Promise<'created' | 'verified'> {
  return ensureTopic(admin, accountEventsTopicSpec(options));
}
