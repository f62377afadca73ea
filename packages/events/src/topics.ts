import { ensureTopic, TallyError, type KafkaAdmin, type TopicSpec } from '@tally/kafka';
import { z } from 'zod';

export const ACCOUNT_EVENTS_TOPIC = 'bank.account-events.v1';
export const ACCOUNT_COMMANDS_TOPIC = 'bank.account-commands.v1';
export const COMMAND_OUTCOMES_TOPIC = 'bank.command-outcomes.v1';

/** The topic names every service reads from the environment, with their defaults. */
export const topicEnv = {
  TALLY_EVENTS_TOPIC: z.string().min(1).default(ACCOUNT_EVENTS_TOPIC),
  TALLY_COMMANDS_TOPIC: z.string().min(1).default(ACCOUNT_COMMANDS_TOPIC),
  TALLY_OUTCOMES_TOPIC: z.string().min(1).default(COMMAND_OUTCOMES_TOPIC),
};

export interface TopicOptions {
  readonly topic?: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

const SEVEN_DAYS_MS = String(7 * 24 * 60 * 60 * 1000);
const FOREVER = { 'retention.ms': '-1', 'retention.bytes': '-1' };

/** A topic of the ledger: records deleted (never compacted) per `retention`, 2 in-sync replicas of 3. */
function ledgerTopic(
  options: TopicOptions,
  name: string,
  retention: Readonly<Record<string, string>>,
): TopicSpec {
  return {
    topic: options.topic ?? name,
    partitions: options.partitions,
    replicationFactor: options.replicationFactor,
    configs: {
      'cleanup.policy': 'delete',
      ...retention,
      ...(options.replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {}),
    },
  };
}

/**
 * The system of record: every account event, keyed by accountId, kept forever. Never compacted
 * (compaction would keep only the last event per account) and never deleted by time or size.
 */
export function accountEventsTopicSpec(options: TopicOptions): TopicSpec {
  return ledgerTopic(options, ACCOUNT_EVENTS_TOPIC, FOREVER);
}

/** Commands are only needed until decided; their outcomes are the record. */
export function accountCommandsTopicSpec(options: TopicOptions): TopicSpec {
  return ledgerTopic(options, ACCOUNT_COMMANDS_TOPIC, { 'retention.ms': SEVEN_DAYS_MS });
}

/** Idempotency and audit need every outcome forever. */
export function commandOutcomesTopicSpec(options: TopicOptions): TopicSpec {
  return ledgerTopic(options, COMMAND_OUTCOMES_TOPIC, FOREVER);
}

/**
 * Creates the events topic, or verifies it; throws TopicMismatchError, and so refuses to run,
 * when an existing topic would delete or compact events or has another partition count.
 */
export function ensureAccountEventsTopic(
  admin: KafkaAdmin,
  options: TopicOptions,
): Promise<'created' | 'verified'> {
  return ensureTopic(admin, accountEventsTopicSpec(options));
}

export interface LedgerTopics {
  readonly events: string;
  readonly commands: string;
  readonly outcomes: string;
}

/**
 * Creates or verifies the three topics with one partition count: commands, events and outcomes
 * of an account share a partition number, which is what lets one owner decide alone.
 */
export async function ensureLedgerTopics(
  admin: KafkaAdmin,
  topics: LedgerTopics,
  partitions: number,
  replicationFactor: number,
): Promise<void> {
  await refuseMissingBesideHistory(admin, topics.events, [topics.outcomes]);
  const shape = { partitions, replicationFactor };
  await ensureTopic(admin, accountEventsTopicSpec({ ...shape, topic: topics.events }));
  await ensureTopic(admin, accountCommandsTopicSpec({ ...shape, topic: topics.commands }));
  await ensureTopic(admin, commandOutcomesTopicSpec({ ...shape, topic: topics.outcomes }));
}

/** A topic that goes with the events topic is missing while the events topic holds records. */
export class MissingBesideHistoryError extends TallyError {
  constructor(message: string) {
    super('TOPIC_MISSING_BESIDE_HISTORY', message, false);
    this.name = 'MissingBesideHistoryError';
  }
}

/**
 * Refuses to start when a topic that records what the events topic caused (outcomes, state
 * changelog) is gone while the events topic holds records: created again empty, it would tell the
 * services that no command was ever decided. Someone deleted it; restore it or reset the ledger.
 */
export async function refuseMissingBesideHistory(
  admin: KafkaAdmin,
  events: string,
  dependents: readonly string[],
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = dependents.filter((topic) => !existing.has(topic));
  if (missing.length === 0 || !existing.has(events)) return;
  const records = (await admin.fetchTopicOffsets(events)).reduce(
    (sum, { low, high }) => sum + (BigInt(high) - BigInt(low)),
    0n,
  );
  if (records === 0n) return;
  throw new MissingBesideHistoryError(
    `topic(s) ${missing.join(', ')} missing while ${events} holds ${records} records: ` +
      'they were deleted, and created again empty they would say no command was ever decided. ' +
      'Restore them, or reset the whole ledger (every topic and read model).',
  );
}
