import type { KafkaMessage, Message } from 'kafkajs';
import type { StateChange } from './partition-store.js';

/**
 * The changelog record of a state entry: key `<kind>/<key>` (so compaction keeps the latest
 * value of each entry), value the entry's JSON, or null (a tombstone: the entry is gone). The
 * expiry rides in a header, so a restore never parses values. A record that repeats an earlier
 * decision for a retried command carries the `replay` header.
 */
const EXPIRES_AT = 'expires-at';
const REPLAY = 'replay';

export function changelogMessage(change: StateChange, partition: number, replay = false): Message {
  const headers: Record<string, string> = {};
  if (change.expiresAt !== undefined && change.expiresAt !== null) {
    headers[EXPIRES_AT] = String(change.expiresAt);
  }
  if (replay) headers[REPLAY] = '1';
  return { key: `${change.kind}/${change.key}`, value: change.value, partition, headers };
}

/** The change a changelog record stands for (what a restore applies). */
export function changeOf(message: KafkaMessage): StateChange {
  const id = message.key?.toString('utf8') ?? '';
  const slash = id.indexOf('/');
  if (slash <= 0)
    throw new Error(`changelog record without a <kind>/<key> key: ${id.slice(0, 200)}`);
  const expires = message.headers?.[EXPIRES_AT];
  return {
    kind: id.slice(0, slash),
    key: id.slice(slash + 1),
    value: message.value === null ? null : message.value.toString('utf8'),
    expiresAt: expires === undefined ? null : Number(String(expires)),
  };
}

export function isReplay(message: KafkaMessage): boolean {
  return message.headers?.[REPLAY] !== undefined;
}
