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
