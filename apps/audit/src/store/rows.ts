import type { EntryKind } from '../core/chain.js';
import { parseDigest, type SignedDigest } from '../core/signed-digest.js';
import type { StoredEntry } from './types.js';

/** Column list shared by both stores, in the order of `entryValues`. */
export const ENTRY_COLUMNS = [
  'chain',
  'seq',
  'prev_hash',
  'hash',
  'kind',
  'topic',
  'partition',
  'kafka_offset',
  'kafka_timestamp',
  'record_key',
  'raw',
  'payload',
  'schema_subject',
  'schema_version',
  'schema_id',
  'account_id',
  'event_type',
  'account_version',
  'amount',
  'currency',
  'occurred_at',
  'anomaly_reason',
  'anomaly_detail',
  'recorded_at',
] as const;

export function entryValues(e: Omit<StoredEntry, 'id'>): unknown[] {
  const values: unknown[] = [];
  pushEntryValues(values, e);
  return values;
}

/** Appends an entry's values, in the order of ENTRY_COLUMNS, to a flat list (multi-row inserts). */
export function pushEntryValues(values: unknown[], e: Omit<StoredEntry, 'id'>): void {
  values.push(
    e.chain,
    e.seq,
    e.prevHash,
    e.hash,
    e.kind,
    e.topic,
    e.partition,
    e.offset,
    e.kafkaTimestamp,
    e.key,
    e.raw,
    e.payload,
    e.schemaSubject,
    e.schemaVersion,
    e.schemaId,
    e.accountId,
    e.eventType,
    e.accountVersion,
    e.amount,
    e.currency,
    e.occurredAt,
    e.anomalyReason,
    e.anomalyDetail,
    e.recordedAt,
  );
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A database row (either store) back to an entry; numbers that PostgreSQL returns as text are converted. */
export function toEntry(row: Record<string, unknown>): StoredEntry {
  return {
    id: Number(row['id']),
    chain: String(row['chain']),
    seq: Number(row['seq']),
    prevHash: String(row['prev_hash']),
    hash: String(row['hash']),
    kind: String(row['kind']) as EntryKind,
    topic: String(row['topic']),
    partition: Number(row['partition']),
    offset: String(row['kafka_offset']),
    kafkaTimestamp: String(row['kafka_timestamp']),
    key: str(row['record_key']),
    raw: str(row['raw']),
    payload: str(row['payload']),
    schemaSubject: str(row['schema_subject']),
    schemaVersion: num(row['schema_version']),
    schemaId: num(row['schema_id']),
    accountId: str(row['account_id']),
    eventType: str(row['event_type']),
    accountVersion: num(row['account_version']),
    amount: num(row['amount']),
    currency: str(row['currency']),
    occurredAt: num(row['occurred_at']),
    anomalyReason: str(row['anomaly_reason']),
    anomalyDetail: str(row['anomaly_detail']),
    recordedAt: Number(row['recorded_at']),
  };
}

/** The columns `toEntryOfValues` reads, in its order: the row id, then ENTRY_COLUMNS. */
export const ROW_COLUMNS = ['id', ...ENTRY_COLUMNS].join(', ');

/**
 * A row read as a list of values in the order of ROW_COLUMNS (SQLite's raw mode: no object with
 * named keys per row) back to an entry, with the conversions of `toEntry`.
 */
export function toEntryOfValues(r: readonly unknown[]): StoredEntry {
  return {
    id: Number(r[0]),
    chain: String(r[1]),
    seq: Number(r[2]),
    prevHash: String(r[3]),
    hash: String(r[4]),
    kind: String(r[5]) as EntryKind,
    topic: String(r[6]),
    partition: Number(r[7]),
    offset: String(r[8]),
    kafkaTimestamp: String(r[9]),
    key: str(r[10]),
    raw: str(r[11]),
    payload: str(r[12]),
    schemaSubject: str(r[13]),
    schemaVersion: num(r[14]),
    schemaId: num(r[15]),
    accountId: str(r[16]),
    eventType: str(r[17]),
    accountVersion: num(r[18]),
    amount: num(r[19]),
    currency: str(r[20]),
    occurredAt: num(r[21]),
    anomalyReason: str(r[22]),
    anomalyDetail: str(r[23]),
    recordedAt: Number(r[24]),
  };
}

/** How many entries of each kind a batch adds (the counters kept with the offsets). */
export function countsOf(contents: Iterable<{ readonly kind: EntryKind }>) {
  let events = 0;
  let outcomes = 0;
  let anomalies = 0;
  for (const { kind } of contents) {
    if (kind === 'event') events += 1;
    else if (kind === 'outcome') outcomes += 1;
    else anomalies += 1;
  }
  return { events, outcomes, anomalies };
}

/**
 * Refuses a batch's contents that can be read only once (an iterator, a generator object): a
 * store may read them again (AppendBatch.contents), and an iterator read again is empty.
 */
export function assertReadableAgain(contents: Iterable<unknown>): void {
  if (typeof (contents as Partial<Iterator<unknown>>).next === 'function') {
    throw new TypeError('a batch’s contents must be readable again, not an iterator');
  }
}

/**
 * A stored digest back to its object. The database is not trusted with it: the shape is checked
 * here, the signature by whoever relies on it (the signer checks the previous one before it links
 * the next one to it).
 */
export function toSignedDigest(body: string): SignedDigest {
  const parsed = parseDigest(JSON.parse(body) as unknown);
  if (!parsed.ok) {
    const problems = parsed.problems.map((p) => `${p.at}: ${p.problem}`).join('; ');
    throw new TypeError(`a stored digest is malformed: ${problems}`);
  }
  return parsed.digest;
}
