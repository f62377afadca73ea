import { createHash } from 'node:crypto';
import { canonicalJson } from '@tally/events';
import type { ChainedEntry, EntryContent } from './chain.js';

/**
 * Kafka as the independent witness. The topics keep every record, and whoever can edit the
 * audit database cannot edit them; so the log is compared with the records re-read from the
 * topic, partition by partition, both in offset order, streaming:
 *
 * - every record below the position the log claims (its stored next offset, or a signed
 *   digest's, whichever is higher) is in the log exactly once, at its offset;
 * - unchanged: same value bytes (SHA-256), key and timestamp, and, when the caller decodes
 *   the record again, the same derived fields (payload, account, amount, ...);
 * - in offset order, and the log holds nothing else.
 *
 * The first difference of a partition is named: `missing`, `extra`, `altered`, `reordered` or
 * `duplicated`, with the offset, the entry's seq and row id.
 */

/** One Kafka record as the witness compares it. */
export interface WitnessRecord {
  /** Decimal string (int64). */
  readonly offset: string;
  readonly key: string | null;
  /** SHA-256 hex of the value bytes, null for a tombstone. */
  readonly valueSha256: string | null;
  /** Epoch ms as a decimal string. */
  readonly timestamp: string;
  /** The fields decoding derives (see `derivedFields`), when the caller decoded the record. */
  readonly derived?: string;
}

/** A record as the audit log holds it. */
export interface LoggedRecord extends WitnessRecord {
  readonly seq: number;
  readonly entryId?: number;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * What ingesting a record derives from it: everything an entry holds beyond the record's own
 * bytes and coordinates (and the time it was recorded). A log whose derived columns were edited
 * while the raw bytes were kept differs here.
 */
export function derivedFields(content: Omit<EntryContent, 'recordedAt'>): string {
  return canonicalJson({
    kind: content.kind,
    payload: content.payload,
    schemaSubject: content.schemaSubject,
    schemaVersion: content.schemaVersion,
    schemaId: content.schemaId,
    accountId: content.accountId,
    eventType: content.eventType,
    accountVersion: content.accountVersion,
    amount: content.amount,
    currency: content.currency,
    occurredAt: content.occurredAt,
    anomalyReason: content.anomalyReason,
  });
}

export function recordOfKafka(
  message: {
    readonly offset: string;
    readonly key: Uint8Array | null;
    readonly value: Uint8Array | null;
    readonly timestamp: string;
  },
  derived?: string,
): WitnessRecord {
  return {
    offset: message.offset,
    key: message.key === null ? null : Buffer.from(message.key).toString('utf8'),
    valueSha256: message.value === null ? null : sha256(message.value),
    timestamp: message.timestamp,
    ...(derived === undefined ? {} : { derived }),
  };
}

export function recordOfEntry(
  entry: ChainedEntry & { readonly id?: number },
  withDerived = false,
): LoggedRecord {
  return {
    offset: entry.offset,
    key: entry.key,
    valueSha256: entry.raw === null ? null : sha256(Buffer.from(entry.raw, 'base64')),
    timestamp: entry.kafkaTimestamp,
    seq: entry.seq,
    ...(entry.id === undefined ? {} : { entryId: entry.id }),
    ...(withDerived ? { derived: derivedFields(entry) } : {}),
  };
}

export type WitnessDifferenceKind = 'missing' | 'extra' | 'altered' | 'reordered' | 'duplicated';

export interface WitnessDifference {
  readonly topic: string;
  readonly partition: number;
  readonly kind: WitnessDifferenceKind;
  readonly offset: string;
  /** The log entry involved (for `missing`: the entry found where the record should be). */
  readonly seq: number | null;
  readonly entryId?: number;
  /** For `altered`: which part differs. */
  readonly field?: 'value' | 'key' | 'timestamp' | 'derived';
  readonly detail: string;
}

export interface PartitionBounds {
  /** Kafka records below this offset must be in the log (the stored or signed next offset). */
  readonly mustHoldBelow: string;
  /** With `maxIngestDelayMs`: a record not yet ingested that is older than this is missing. */
  readonly now?: number;
  readonly maxIngestDelayMs?: number;
}

export interface PartitionWitness {
  readonly topic: string;
  readonly partition: number;
  readonly ok: boolean;
  /** Records found in the log unchanged, in order. */
  readonly matched: number;
  /** Records on the topic at or above `mustHoldBelow` that the log does not hold yet. */
  readonly notYetIngested: number;
  readonly firstDifference: WitnessDifference | null;
}

type Source<T> = AsyncIterable<T> | Iterable<T>;

/**
 * A pull cursor over either kind of source. `advance` returns a promise only for an async
 * source: a microtask per record would cost more than comparing it.
 */
class Cursor<T> {
  current: IteratorResult<T> = { done: true, value: undefined };
  private readonly it: AsyncIterator<T> | Iterator<T>;

  constructor(source: Source<T>) {
    this.it =
      Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  advance(): Promise<void> | undefined {
    const next = this.it.next();
    if (next instanceof Promise) {
      return next.then((result) => {
        this.current = result;
      });
    }
    this.current = next;
    return undefined;
  }
}

/** Kafka offsets as decimal strings without leading zeros compare by length, then digits. */
function compareOffsets(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

const sameRecord = (a: WitnessRecord, b: WitnessRecord) =>
  a.valueSha256 === b.valueSha256 &&
  a.key === b.key &&
  a.timestamp === b.timestamp &&
  a.derived === b.derived;

function alteredField(log: LoggedRecord, kafka: WitnessRecord): WitnessDifference['field'] {
  if (log.valueSha256 !== kafka.valueSha256) return 'value';
  if (log.key !== kafka.key) return 'key';
  if (log.timestamp !== kafka.timestamp) return 'timestamp';
  if (log.derived !== undefined && kafka.derived !== undefined && log.derived !== kafka.derived) {
    return 'derived';
  }
  return undefined;
}

export interface WitnessOptions {
  /** How far ahead in the log to look for a record before calling it missing (not reordered). */
  readonly lookahead?: number;
  /** How many recent records to remember to tell a duplicate from a reordering. */
  readonly memory?: number;
}

/** Compares one partition's log entries (seq order) with its records (offset order). */
export async function witnessPartition(
  topic: string,
  partition: number,
  logSource: Source<LoggedRecord>,
  kafkaSource: Source<WitnessRecord>,
  bounds: PartitionBounds,
  options: WitnessOptions = {},
): Promise<PartitionWitness> {
  const lookahead = options.lookahead ?? 10_000;
  const memory = options.memory ?? 10_000;
  const log = new Cursor(logSource);
  const kafka = new Cursor(kafkaSource);
  const mustHold = bounds.mustHoldBelow;
  const recent = new Map<string, LoggedRecord>();
  let matched = 0;
  let notYetIngested = 0;
  let lastOffset: string | null = null;
  const result = (firstDifference: WitnessDifference | null): PartitionWitness => ({
    topic,
    partition,
    ok: firstDifference === null,
    matched,
    notYetIngested,
    firstDifference,
  });
  const difference = (
    kind: WitnessDifferenceKind,
    offset: string,
    entry: LoggedRecord | null,
    detail: string,
    field?: WitnessDifference['field'],
  ): PartitionWitness =>
    result({
      topic,
      partition,
      kind,
      offset,
      seq: entry?.seq ?? null,
      ...(entry?.entryId === undefined ? {} : { entryId: entry.entryId }),
      ...(field === undefined ? {} : { field }),
      detail,
    });
  const overdue = (record: WitnessRecord) =>
    bounds.now !== undefined &&
    bounds.maxIngestDelayMs !== undefined &&
    bounds.now - Number(record.timestamp) > bounds.maxIngestDelayMs;

  await log.advance();
  await kafka.advance();
  for (;;) {
    const l = log.current;
    const k = kafka.current;
    if (l.done) {
      // The log ends: what the topic still has must be newer than the log's position.
      for (; !kafka.current.done; await kafka.advance()) {
        const record = kafka.current.value;
        const below = compareOffsets(record.offset, mustHold) < 0;
        if (below || overdue(record)) {
          return difference(
            'missing',
            record.offset,
            null,
            below
              ? `the topic has offset ${record.offset}, below the log's position ${bounds.mustHoldBelow}, and the log ends before it`
              : `the topic has offset ${record.offset} (written ${new Date(Number(record.timestamp)).toISOString()}), longer ago than ingest may take, and the log ends before it`,
          );
        }
        notYetIngested += 1;
      }
      return result(null);
    }
    const entry = l.value;
    if (lastOffset !== null && compareOffsets(entry.offset, lastOffset) <= 0) {
      const seen = recent.get(entry.offset);
      return seen !== undefined && sameRecord(seen, entry)
        ? difference(
            'duplicated',
            entry.offset,
            entry,
            `entry ${entry.seq} holds offset ${entry.offset} again`,
          )
        : difference(
            'reordered',
            entry.offset,
            entry,
            `entry ${entry.seq} holds offset ${entry.offset} after offset ${lastOffset}`,
          );
    }
    if (k.done) {
      return difference(
        'extra',
        entry.offset,
        entry,
        `entry ${entry.seq} holds offset ${entry.offset}, past the last record of the topic`,
      );
    }
    const record = k.value;
    const order = compareOffsets(entry.offset, record.offset);
    if (order === 0) {
      const field = alteredField(entry, record);
      if (field !== undefined) {
        return difference(
          'altered',
          entry.offset,
          entry,
          `entry ${entry.seq} differs from the record at offset ${entry.offset} in its ${field}`,
          field,
        );
      }
      matched += 1;
      lastOffset = entry.offset;
      recent.set(entry.offset, entry);
      if (recent.size > memory) recent.delete(recent.keys().next().value as string);
      const movingLog = log.advance();
      if (movingLog) await movingLog;
      const movingKafka = kafka.advance();
      if (movingKafka) await movingKafka;
    } else if (order < 0) {
      return difference(
        'extra',
        entry.offset,
        entry,
        `entry ${entry.seq} holds offset ${entry.offset}, which the topic does not have`,
      );
    } else {
      // The record at kafkaOffset is not where it belongs. Later in the log (reordered) or not at all?
      for (let i = 0; i < lookahead; i++) {
        await log.advance();
        const later = log.current;
        if (later.done) break;
        if (later.value.offset === record.offset) {
          return difference(
            'reordered',
            record.offset,
            later.value,
            `offset ${record.offset} is entry ${later.value.seq}, after offset ${entry.offset} (entry ${entry.seq})`,
          );
        }
      }
      // Even above the log's position: the log holds a later offset, so it skipped this one.
      return difference(
        'missing',
        record.offset,
        entry,
        `the topic's record at offset ${record.offset} is not in the log; entry ${entry.seq} holds offset ${entry.offset} in its place`,
      );
    }
  }
}

/** Log chains that name no partition of the audited topics: the log holds them, the topics do not. */
export function chainsWithoutPartition(
  chains: readonly string[],
  partitions: readonly { readonly topic: string; readonly partition: number }[],
): string[] {
  const known = new Set(partitions.map((p) => `${p.topic}/${p.partition}`));
  return chains.filter((chain) => !known.has(chain));
}
