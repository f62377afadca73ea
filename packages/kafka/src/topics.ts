import { kafkajsAdminOf, retryingRetriable } from './client.js';
import { TallyError } from './errors.js';
import type { KafkaAdmin } from './types.js';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs, e.g. { 'retention.ms': '-1', 'cleanup.policy': 'delete' }. */
  readonly configs?: Readonly<Record<string, string>>;
}

/** An existing topic that would break a guarantee (delete or compact records, another partition count). */
export class TopicMismatchError extends TallyError {
  constructor(
    readonly topic: string,
    readonly problems: readonly string[],
  ) {
    super(
      'TOPIC_MISMATCH',
      `topic ${topic} exists but does not match its spec: ${problems.join('; ')}`,
      false,
    );
    this.name = 'TopicMismatchError';
  }
}

/**
 * Creates the topic, or verifies an existing one against the spec: same partition count and the
 * same values for every config the spec names. Never alters an existing topic.
 */
export async function ensureTopic(
  port: KafkaAdmin,
  spec: TopicSpec,
): Promise<'created' | 'verified'> {
  const admin = kafkajsAdminOf(port);
  // Its wait for leaders can meet a topic not yet known to the broker asked (a loaded machine):
  // retriable; a retry finds it created and verifies it like any other.
  const created = await retryingRetriable(() =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({
            name,
            value,
          })),
        },
      ],
    }),
  );
  if (created) return 'created';
  // Created a moment ago by another instance, maybe: its metadata may not have spread yet.
  return retryingRetriable(() => verifyTopic(port, spec));
}

async function verifyTopic(port: KafkaAdmin, spec: TopicSpec): Promise<'verified'> {
  const admin = kafkajsAdminOf(port);
  const problems: string[] = [];
  const metadata = await admin.fetchTopicMetadata({ topics: [spec.topic] });
  const partitions = metadata.topics[0]?.partitions.length ?? 0;
  if (partitions !== spec.partitions) {
    problems.push(`partitions is ${partitions}, expected ${spec.partitions}`);
  }
  const wanted = Object.entries(spec.configs ?? {});
  if (wanted.length > 0) {
    const actual = await describeTopicConfigs(port, spec.topic);
    for (const [name, value] of wanted) {
      if (actual[name] !== value) {
        problems.push(`${name} is ${actual[name] ?? 'unset'}, expected ${value}`);
      }
    }
  }
  if (problems.length > 0) throw new TopicMismatchError(spec.topic, problems);
  return 'verified';
}

/** The topic's effective configs (explicit or broker default), by name. */
export async function describeTopicConfigs(
  admin: KafkaAdmin,
  topic: string,
): Promise<Record<string, string>> {
  const { resources } = await kafkajsAdminOf(admin).describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 2 /* TOPIC */, name: topic }],
  });
  const entries = resources[0]?.configEntries ?? [];
  return Object.fromEntries(entries.map((entry) => [entry.configName, entry.configValue]));
}
