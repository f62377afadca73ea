import { ensureLedgerTopics, refuseMissingBesideHistory, type LedgerTopics } from '@tally/events';
import { ensureTopic, type KafkaAdmin, type KafkaRecord, type OutgoingRecord } from '@tally/kafka';
import type { StateChange } from './partition-store.js';

/**
 * The changelog of the intake's partition state stores. The intake's own: no other service reads
 * it, so its spec and record format live here rather than with the contracts in @tally/events.
 */
export const INTAKE_CHANGELOG_TOPIC = 'tally-intake.state-changelog.v1';

export interface IntakeTopics extends LedgerTopics {
  readonly changelog: string;
}

/**
 * Creates or verifies the ledger topics and the changelog with one partition count: an account's
 * commands, events, outcomes and state entries share a partition number, so one owner decides
 * alone and restores a partition's state from one changelog partition. Compaction keeps the
 * latest value of each entry, so a restore reads live entries only. A changelog missing beside an
 * events topic with records is refused (MissingBesideHistoryError), never created again empty:
 * restored from it, every account would be unknown and every idempotency key new.
 */
export async function ensureIntakeTopics(
  admin: KafkaAdmin,
  topics: IntakeTopics,
  partitions: number,
  replicationFactor: number,
): Promise<void> {
  await refuseMissingBesideHistory(admin, topics.events, [topics.outcomes, topics.changelog]);
  await ensureLedgerTopics(admin, topics, partitions, replicationFactor);
  await ensureTopic(admin, {
    topic: topics.changelog,
    partitions,
    replicationFactor,
    configs: {
      'cleanup.policy': 'compact',
      ...(replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {}),
    },
  });
}

/**
 * The changelog record of a state entry: key `<kind>/<key>` (so compaction keeps the latest
 * value of each entry), value the entry's JSON, or null (a tombstone: the entry is gone). The
 * expiry rides in a header, so a restore never parses values. A record that repeats an earlier
 * decision for a retried command carries the `replay` header.
 */
const EXPIRES_AT = 'expires-at';
const REPLAY = 'replay';

export function changelogMessage(
  change: StateChange,
  partition: number,
  replay = false,
): OutgoingRecord {
  const headers: Record<string, string> = {};
  if (change.expiresAt !== undefined && change.expiresAt !== null) {
    headers[EXPIRES_AT] = String(change.expiresAt);
  }
  if (replay) headers[REPLAY] = '1';
  return { key: `${change.kind}/${change.key}`, value: change.value, partition, headers };
}

/** The record's `<kind>/<key>`, as written; refuses a key that is not one. */
export function changelogIdOf(record: KafkaRecord): Buffer {
  const id = record.key;
  const slash = id?.indexOf(0x2f) ?? -1;
  if (id === null || slash <= 0) {
    const shown = id?.toString('utf8').slice(0, 200) ?? 'null';
    throw new Error(`changelog record without a <kind>/<key> key: ${shown}`);
  }
  return id;
}

/** The entry's expiry (epoch ms), if it has one. */
export function expiryOf(record: KafkaRecord): number | undefined {
  const expires = record.headers?.[EXPIRES_AT];
  return expires === undefined ? undefined : Number(String(expires));
}

/** The change a changelog record stands for (what a restore applies). */
export function changeOf(record: KafkaRecord): StateChange {
  const id = changelogIdOf(record).toString('utf8');
  const slash = id.indexOf('/');
  return {
    kind: id.slice(0, slash),
    key: id.slice(slash + 1),
    value: record.value === null ? null : record.value.toString('utf8'),
    expiresAt: expiryOf(record) ?? null,
  };
}

export function isReplay(record: KafkaRecord): boolean {
  return record.headers?.[REPLAY] !== undefined;
}
