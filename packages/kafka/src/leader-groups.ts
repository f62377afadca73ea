import type { PartitionLeaders } from './types.js';

interface Outgoing {
  readonly partition?: number | undefined;
}

/** The records of one produce request: every partition in it has the same leader. */
export type LeaderGroup<M> = { topic: string; messages: M[] }[];

/**
 * Splits a transaction's records into one group per partition leader, keeping the order of the
 * records within each partition. A record whose partition or leader is not known goes into a group
 * of its own topic-partition (records without a partition: of their topic), so that no group can
 * span two leaders as far as the metadata tells.
 */
export function byLeader<M extends Outgoing>(
  topics: readonly { readonly topic: string; readonly messages: readonly M[] }[],
  leaders: PartitionLeaders,
): LeaderGroup<M>[] {
  const groups = new Map<string, Map<string, { topic: string; messages: M[] }>>();
  for (const { topic, messages } of topics) {
    for (const message of messages) {
      const leader =
        message.partition === undefined ? undefined : leaders.get(topic)?.get(message.partition);
      const groupKey =
        leader === undefined
          ? `unknown\u0000${topic}\u0000${message.partition ?? ''}`
          : `${leader}`;
      const group = groups.get(groupKey) ?? new Map<string, { topic: string; messages: M[] }>();
      groups.set(groupKey, group);
      const entry = group.get(topic) ?? { topic, messages: [] };
      group.set(topic, entry);
      entry.messages.push(message);
    }
  }
  return [...groups.values()].map((group) => [...group.values()]);
}

/** What a produce answer says of one topic-partition (kafkajs' RecordMetadata has more). */
interface Answered {
  readonly topicName: string;
  readonly partition: number;
}

/**
 * Why a send's answer cannot be trusted, or undefined when every topic-partition of the group
 * answered exactly once. A kafkajs send that ended up spanning several leaders (the leaders moved
 * since they were read) and retried after one of them failed may have written a partition twice,
 * or skipped one that moved to a leader that had already answered (ADR 0013): the transaction must
 * then abort instead of committing duplicates or losing records. Records without a partition are
 * only required to be answered on some partition of their topic.
 */
export function unevenAnswer<M extends Outgoing>(
  group: LeaderGroup<M>,
  answers: readonly Answered[],
): string | undefined {
  const counts = new Map<string, number>();
  for (const { topicName, partition } of answers) {
    const key = `${topicName}[${partition}]`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const twice = [...counts].filter(([, n]) => n > 1).map(([key]) => key);
  if (twice.length > 0) return `answered more than once: ${twice.join(', ')}`;
  const missing: string[] = [];
  for (const { topic, messages } of group) {
    // Each partition once, not each record: this runs on every send of the hot path.
    for (const partition of new Set(messages.map((m) => m.partition))) {
      const answered =
        partition === undefined
          ? answers.some((a) => a.topicName === topic)
          : counts.has(`${topic}[${partition}]`);
      if (!answered) missing.push(partition === undefined ? topic : `${topic}[${partition}]`);
    }
  }
  return missing.length > 0 ? `not answered: ${missing.join(', ')}` : undefined;
}
