import { hash as sha256 } from 'node:crypto';
// The module alone, not the package's index (Avro, the registry): a verification thread loads this.
import { canonicalJson } from '@tally/events/canonical-json';

/**
 * The hash chain. One chain per Kafka partition of each audited topic (`<topic>/<partition>`):
 * a partition is the unit of order in Kafka, it is ingested by one consumer at a time, and
 * partitions are ingested in parallel without sharing a head. Entries of a chain are numbered
 * `seq` = 1, 2, 3, ... without gaps, so a deleted entry shows as a missing number.
 *
 *   hash(entry) = hex(SHA-256(utf8(canonicalJson(entry without `hash`))))
 *
 * where the entry includes `prevHash` (the previous entry's hash, or GENESIS_HASH for seq 1), so
 * each hash covers everything before it.
 */

export const GENESIS_HASH = '0'.repeat(64);

export type EntryKind = 'event' | 'outcome' | 'anomaly';

/** What ingestion knows about one Kafka record, before it is placed in a chain. */
export interface EntryContent {
  readonly kind: EntryKind;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset, as a decimal string (int64). */
  readonly offset: string;
  /** The record's Kafka timestamp, epoch ms as a decimal string. */
  readonly kafkaTimestamp: string;
  /** The record key as UTF-8, or null. */
  readonly key: string | null;
  /** The record value exactly as received, base64 (null for a tombstone). */
  readonly raw: string | null;
  /** Canonical JSON of the decoded value (the account event or the outcome), or null (anomaly). */
  readonly payload: string | null;
  readonly schemaSubject: string | null;
  readonly schemaVersion: number | null;
  readonly schemaId: number | null;
  /** Derived from the payload for queries; covered by the hash like every other field. */
  readonly accountId: string | null;
  readonly eventType: string | null;
  readonly accountVersion: number | null;
  /** Signed change of the balance in minor units (+deposit, -withdrawal), else null. */
  readonly amount: number | null;
  readonly currency: string | null;
  /** occurredAt of an event, decidedAt of an outcome (epoch ms). */
  readonly occurredAt: number | null;
  /** Why the record could not be decoded (anomaly entries only). */
  readonly anomalyReason: string | null;
  readonly anomalyDetail: string | null;
  /** When the audit service recorded the entry (epoch ms). */
  readonly recordedAt: number;
}

export interface ChainedEntry extends EntryContent {
  readonly chain: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainHead {
  readonly chain: string;
  /** Seq of the last entry, 0 for an empty chain. */
  readonly seq: number;
  readonly hash: string;
}

export const ENCODING_VERSION = 1;

export function chainId(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

const HASHED_FIELDS = [
  'chain',
  'seq',
  'prevHash',
  'kind',
  'topic',
  'partition',
  'offset',
  'kafkaTimestamp',
  'key',
  'raw',
  'payload',
  'schemaSubject',
  'schemaVersion',
  'schemaId',
  'accountId',
  'eventType',
  'accountVersion',
  'amount',
  'currency',
  'occurredAt',
  'anomalyReason',
  'anomalyDetail',
  'recordedAt',
] as const satisfies readonly (keyof ChainedEntry)[];

/**
 * The exact string that is hashed: the fields above (every field of an entry but `hash`) and
 * `encoding` (the version of this layout), as canonical JSON. Anything else on the object, such as
 * a database row id, is not part of the entry.
 */
export function canonicalEntry(entry: Omit<ChainedEntry, 'hash'>): string {
  // Same bytes as canonicalJson({ encoding, ...fields }) (a unit test holds them equal), written
  // out field by field in sorted order: no sort, no loop, no lookup by name per entry (this runs
  // once per ingested and once per verified entry). An entry with a missing field takes the loop.
  const e = entry;
  if (
    e.accountId === undefined ||
    e.accountVersion === undefined ||
    e.amount === undefined ||
    e.anomalyDetail === undefined ||
    e.anomalyReason === undefined ||
    e.chain === undefined ||
    e.currency === undefined ||
    e.eventType === undefined ||
    e.kafkaTimestamp === undefined ||
    e.key === undefined ||
    e.kind === undefined ||
    e.occurredAt === undefined ||
    e.offset === undefined ||
    e.partition === undefined ||
    e.payload === undefined ||
    e.prevHash === undefined ||
    e.raw === undefined ||
    e.recordedAt === undefined ||
    e.schemaId === undefined ||
    e.schemaSubject === undefined ||
    e.schemaVersion === undefined ||
    e.seq === undefined ||
    e.topic === undefined
  ) {
    return canonicalEntryByField(entry);
  }
  return (
    `{"accountId":${text(e.accountId, 'accountId')}` +
    `,"accountVersion":${integer(e.accountVersion, 'accountVersion')}` +
    `,"amount":${integer(e.amount, 'amount')}` +
    `,"anomalyDetail":${text(e.anomalyDetail, 'anomalyDetail')}` +
    `,"anomalyReason":${text(e.anomalyReason, 'anomalyReason')}` +
    `,"chain":${text(e.chain, 'chain')}` +
    `,"currency":${text(e.currency, 'currency')}` +
    `,"encoding":${ENCODING_VERSION}` +
    `,"eventType":${text(e.eventType, 'eventType')}` +
    `,"kafkaTimestamp":${text(e.kafkaTimestamp, 'kafkaTimestamp')}` +
    `,"key":${text(e.key, 'key')}` +
    `,"kind":${text(e.kind, 'kind')}` +
    `,"occurredAt":${integer(e.occurredAt, 'occurredAt')}` +
    `,"offset":${text(e.offset, 'offset')}` +
    `,"partition":${integer(e.partition, 'partition')}` +
    `,"payload":${text(e.payload, 'payload')}` +
    `,"prevHash":${text(e.prevHash, 'prevHash')}` +
    `,"raw":${text(e.raw, 'raw')}` +
    `,"recordedAt":${integer(e.recordedAt, 'recordedAt')}` +
    `,"schemaId":${integer(e.schemaId, 'schemaId')}` +
    `,"schemaSubject":${text(e.schemaSubject, 'schemaSubject')}` +
    `,"schemaVersion":${integer(e.schemaVersion, 'schemaVersion')}` +
    `,"seq":${integer(e.seq, 'seq')}` +
    `,"topic":${text(e.topic, 'topic')}}`
  );
}

/** The same bytes field by field from the sorted list; also leaves out missing (undefined) fields. */
function canonicalEntryByField(entry: Omit<ChainedEntry, 'hash'>): string {
  let out = '{';
  for (let i = 0; i < SORTED_FIELDS.length; i++) {
    const field = SORTED_FIELDS[i] as (typeof SORTED_FIELDS)[number];
    const value = field === 'encoding' ? ENCODING_VERSION : entry[field];
    if (value === undefined) continue;
    if (out.length > 1) out += ',';
    out += (KEY_PREFIX[i] as string) + scalar(value, field);
  }
  return out + '}';
}

/** The generic encoder's result for the same entry; used by tests to prove the fast path. */
export function canonicalEntrySlow(entry: Omit<ChainedEntry, 'hash'>): string {
  const picked: Record<string, unknown> = { encoding: ENCODING_VERSION };
  for (const field of HASHED_FIELDS) picked[field] = entry[field];
  return canonicalJson(picked);
}

const SORTED_FIELDS = [...HASHED_FIELDS, 'encoding' as const].sort();
const KEY_PREFIX = SORTED_FIELDS.map((field) => `${JSON.stringify(field)}:`);

function scalar(value: unknown, field: string): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  // Anything else is refused (or encoded) exactly as the generic encoder does.
  return canonicalJson({ [field]: value }).slice(field.length + 4, -1);
}

/** A string field (or null); any other value as the generic encoder has it. */
function text(value: unknown, field: string): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : scalar(value, field);
}

/** An integer field (or null); any other value as the generic encoder has it. */
function integer(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return `${value}`;
  return value === null ? 'null' : scalar(value, field);
}

/** SHA-256 of the canonical entry, hex (one-shot `crypto.hash`: no Hash object per entry). */
export function hashEntry(entry: Omit<ChainedEntry, 'hash'>): string {
  return sha256('sha256', canonicalEntry(entry), 'hex');
}

/** Appends contents to a chain whose head is given; pure. */
export function chainEntries(
  head: ChainHead,
  contents: readonly EntryContent[],
): { entries: ChainedEntry[]; head: ChainHead } {
  let { seq, hash } = head;
  const entries = contents.map((content) => {
    // One copy per entry; `hash` is not a hashed field, so it is filled in after hashing.
    const entry: { -readonly [K in keyof ChainedEntry]: ChainedEntry[K] } = {
      ...content,
      chain: head.chain,
      seq: seq + 1,
      prevHash: hash,
      hash: '',
    };
    entry.hash = hashEntry(entry);
    seq = entry.seq;
    hash = entry.hash;
    return entry;
  });
  return { entries, head: { chain: head.chain, seq, hash } };
}

export type VerifyProblem =
  /** The entry's content does not hash to its stored hash: it was changed. */
  | 'HASH_MISMATCH'
  /** The entry does not link to the previous entry's recomputed hash (it or its predecessor was rewritten, hash included). */
  | 'BROKEN_LINK'
  /** Seq numbers jump: the entries in between were deleted. */
  | 'MISSING_ENTRY'
  /** The chain is shorter than a signed digest says it was. */
  | 'TRUNCATED';

export interface ChainFailure {
  readonly chain: string;
  /** The first entry that does not verify (for MISSING_ENTRY and TRUNCATED, the first missing seq). */
  readonly seq: number;
  readonly problem: VerifyProblem;
  readonly detail: string;
  /** Row id of the offending entry, when it exists. */
  readonly entryId?: number;
}

export interface ChainSummary {
  readonly chain: string;
  readonly count: number;
  readonly head: string;
}

/**
 * Incremental verifier of one chain: feed its entries in seq order. Recomputes every hash from the
 * entry's content and the recomputed hash of its predecessor, so the first entry whose content was
 * changed is the one named.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prev = GENESIS_HASH;
  private failure: ChainFailure | undefined;

  constructor(readonly chain: string) {}

  /** False once a failure was found (later entries are not checked). */
  push(entry: ChainedEntry & { readonly id?: number }): boolean {
    if (this.failure) return false;
    const at = entry.id === undefined ? {} : { entryId: entry.id };
    if (entry.seq !== this.expectedSeq) {
      this.failure = {
        chain: this.chain,
        seq: this.expectedSeq,
        problem: 'MISSING_ENTRY',
        detail:
          entry.seq > this.expectedSeq
            ? `entries ${this.expectedSeq}..${entry.seq - 1} are missing (next present is ${entry.seq})`
            : `entry ${entry.seq} appears out of order after ${this.expectedSeq - 1}`,
        ...at,
      };
      return false;
    }
    const recomputed = hashEntry(entry);
    if (recomputed !== entry.hash) {
      this.failure = {
        chain: this.chain,
        seq: entry.seq,
        problem: 'HASH_MISMATCH',
        detail: `stored hash ${entry.hash} but the content hashes to ${recomputed}`,
        ...at,
      };
      return false;
    }
    if (entry.prevHash !== this.prev) {
      this.failure = {
        chain: this.chain,
        seq: entry.seq,
        problem: 'BROKEN_LINK',
        detail: `prevHash ${entry.prevHash} but entry ${entry.seq - 1} hashes to ${this.prev}`,
        ...at,
      };
      return false;
    }
    this.prev = recomputed;
    this.expectedSeq += 1;
    return true;
  }

  /** Checks the end of the chain against an expected head (from the offsets table or a digest). */
  expectAtLeast(seq: number, hashAtSeq?: string): void {
    if (this.failure) return;
    if (this.expectedSeq - 1 < seq) {
      this.failure = {
        chain: this.chain,
        seq: this.expectedSeq,
        problem: 'TRUNCATED',
        detail: `the chain ends at ${this.expectedSeq - 1} but ${seq} entries were recorded`,
      };
    } else if (hashAtSeq !== undefined && this.expectedSeq - 1 === seq && this.prev !== hashAtSeq) {
      this.failure = {
        chain: this.chain,
        seq,
        problem: 'BROKEN_LINK',
        detail: `entry ${seq} hashes to ${this.prev}, the recorded head is ${hashAtSeq}`,
      };
    }
  }

  result(): { ok: true; summary: ChainSummary } | { ok: false; failure: ChainFailure } {
    if (this.failure) return { ok: false, failure: this.failure };
    return {
      ok: true,
      summary: { chain: this.chain, count: this.expectedSeq - 1, head: this.prev },
    };
  }
}
