import type { KafkaAdmin } from './types.js';

/**
 * Which incarnation of a topic a read model was built from. Kafka gives a topic an id, but kafkajs
 * speaks Metadata up to version 6 and topic ids came with version 10, so the id is out of reach.
 * A partition's first record stands in for it: its offset and the latest timestamp `t` at which
 * "the first offset whose timestamp is at or after t" (ListOffsets, which kafkajs does speak)
 * still answers that offset, i.e. the first record's timestamp. Records never change, so the same
 * two questions give the same answers as long as that record is the partition's first; a topic
 * deleted and created again starts with another record (another timestamp, to the millisecond),
 * or at an earlier offset than the anchor's.
 */
export interface TopicAnchor {
  /** The partition's first offset when the anchor was taken. */
  readonly offset: string;
  /** The timestamp (epoch ms) of the record at that offset. */
  readonly timestamp: number;
}

/** Where a read model keeps its anchors, beside its offsets. */
export interface TopicAnchorStore {
  loadAnchors(topic: string): Promise<ReadonlyMap<number, TopicAnchor>>;
  saveAnchor(topic: string, partition: number, anchor: TopicAnchor): Promise<void>;
}

/** A stored anchor as its table holds it (SQLite and PostgreSQL return numbers or strings). */
export interface AnchorRow {
  readonly partition: number;
  readonly start_offset: string | number;
  readonly first_timestamp: string | number;
}

/** The anchors of a topic from its rows. */
export function anchorsOfRows(rows: readonly AnchorRow[]): Map<number, TopicAnchor> {
  return new Map(
    rows.map((r) => [
      r.partition,
      { offset: String(r.start_offset), timestamp: Number(r.first_timestamp) },
    ]),
  );
}

/** How a store keeps a topic's anchors in one table of its own. */
export interface AnchorTable {
  /** Its anchors of a topic; parameter: the topic. */
  readonly select: string;
  /** Inserts or replaces one partition's anchor; parameters: `valuesOf`. */
  readonly upsert: string;
  valuesOf(topic: string, partition: number, anchor: TopicAnchor): [string, number, string, number];
  fromRows(rows: readonly AnchorRow[]): Map<number, TopicAnchor>;
}

/**
 * The anchors' statements for `table` (columns topic, partition, start_offset, first_timestamp;
 * key topic and partition), with SQLite's or PostgreSQL's placeholders.
 */
export function anchorTable(table: string, placeholders: 'sqlite' | 'postgres'): AnchorTable {
  const p = placeholders === 'sqlite' ? ['?', '?', '?', '?'] : ['$1', '$2', '$3', '$4'];
  return {
    select: `SELECT * FROM ${table} WHERE topic = ${p[0]}`,
    upsert:
      `INSERT INTO ${table} VALUES (${p.join(', ')}) ` +
      'ON CONFLICT (topic, partition) DO UPDATE ' +
      'SET start_offset = excluded.start_offset, first_timestamp = excluded.first_timestamp',
    valuesOf: (topic, partition, anchor) => [topic, partition, anchor.offset, anchor.timestamp],
    fromRows: anchorsOfRows,
  };
}

/** The first offset whose timestamp is at or after `timestamp` (the end offset if none is). */
export type OffsetAtTimestamp = (timestamp: number) => Promise<bigint>;

/** Timestamps are searched up to a year from now: a first record stamped later is not anchored. */
const SEARCH_AHEAD_MS = 365 * 24 * 3600 * 1000;

/**
 * The anchor of a partition that starts at `start` (and holds records): the first record's
 * timestamp, found by bisection over timestamps (about 45 questions). Undefined when the first
 * record's timestamp is out of the searched range.
 */
export async function findAnchor(
  start: bigint,
  offsetAt: OffsetAtTimestamp,
  now = Date.now(),
): Promise<TopicAnchor | undefined> {
  let low = 0; // offsetAt(low) === start: every timestamp is >= 0
  let high = now + SEARCH_AHEAD_MS; // offsetAt(high) !== start, checked below
  if ((await offsetAt(low)) !== start || (await offsetAt(high)) === start) return undefined;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if ((await offsetAt(mid)) === start) low = mid;
    else high = mid;
  }
  return { offset: start.toString(), timestamp: low };
}

export type AnchorCheck =
  | { readonly kind: 'same' }
  /** The anchored record is gone (retention moved the start past it): take a new anchor. */
  | { readonly kind: 'expired' }
  | { readonly kind: 'different'; readonly reason: string };

/** Whether the partition, which now starts at `start`, is the one `anchor` was taken on. */
export async function checkAnchor(
  anchor: TopicAnchor,
  start: bigint,
  offsetAt: OffsetAtTimestamp,
): Promise<AnchorCheck> {
  const offset = BigInt(anchor.offset);
  if (start > offset) return { kind: 'expired' };
  if (start < offset) {
    return { kind: 'different', reason: `it starts at ${start}, before its old start ${offset}` };
  }
  const same =
    (await offsetAt(anchor.timestamp)) === offset &&
    (await offsetAt(anchor.timestamp + 1)) !== offset;
  return same
    ? { kind: 'same' }
    : {
        kind: 'different',
        reason: `its first record (offset ${offset}) is not the one stamped ${new Date(anchor.timestamp).toISOString()}`,
      };
}

/** ListOffsets by timestamp for one partition of a topic. */
export function offsetAtTimestamp(
  admin: KafkaAdmin,
  topic: string,
  partition: number,
): OffsetAtTimestamp {
  return async (timestamp) => {
    const found = (await admin.fetchTopicOffsetsByTimestamp(topic, timestamp)).find(
      (p) => p.partition === partition,
    );
    if (found === undefined) throw new Error(`${topic} has no partition ${partition}`);
    return BigInt(found.offset);
  };
}
