import type { EntryKind } from '../core/chain.js';
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
  return [
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
  ];
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
