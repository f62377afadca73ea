import {
  canonicalJson,
  CanonicalEncodingError,
  EventDecodeError,
  type AccountEventSerde,
} from '@tally/events';
import type { ApplyResult, KafkaRecord, PartitionBatch, PartitionStore } from '@tally/kafka';
import { balanceChange, type AccountEvent } from '@tally/ledger';
import type { EntryContent } from './core/chain.js';
import type { AuditMetrics } from './metrics.js';
import type { AuditStore } from './store/types.js';

/** Subject and version of a writer schema id, as the registry knows them. */
export interface SchemaInfo {
  readonly subject: string | null;
  readonly version: number | null;
}

/**
 * Looks up, once per schema id, the subject and version the id is registered under for the topic
 * (`GET /schemas/ids/{id}/versions`; a schema id is shared by every subject holding the same
 * text, so the subject of this topic is picked).
 */
export class SchemaInfoCache {
  private readonly cache = new Map<number, Promise<SchemaInfo>>();
  private readonly resolved = new Map<number, SchemaInfo>();
  constructor(private readonly registryUrl: string) {}

  lookup(topic: string, schemaId: number, recordType: string): Promise<SchemaInfo> {
    const key = schemaId;
    let info = this.cache.get(key);
    if (info === undefined) {
      info = this.fetch(topic, schemaId, recordType);
      this.cache.set(key, info);
      info.then(
        (found) => this.resolved.set(key, found),
        () => this.cache.delete(key),
      );
    }
    return info;
  }

  /** The info of a schema id whose lookup already completed, without waiting; else undefined. */
  cached(schemaId: number): SchemaInfo | undefined {
    return this.resolved.get(schemaId);
  }

  private async fetch(topic: string, schemaId: number, recordType: string): Promise<SchemaInfo> {
    const wanted = `${topic}-tally.account.${recordType}`;
    const response = await fetch(new URL(`/schemas/ids/${schemaId}/versions`, this.registryUrl));
    if (!response.ok) {
      // Infrastructure trouble is retried by the caller; an unknown id was already caught by decode.
      throw new Error(`registry: GET /schemas/ids/${schemaId}/versions -> HTTP ${response.status}`);
    }
    const versions = (await response.json()) as { subject: string; version: number }[];
    const match =
      versions.find((v) => v.subject === wanted) ??
      versions.find((v) => v.subject.startsWith(`${topic}-`));
    return match
      ? { subject: match.subject, version: match.version }
      : { subject: wanted, version: null };
  }
}

/** The entry's amount: the balance change, null for an event that moves no money. */
function amountOf(event: AccountEvent): number | null {
  const change = balanceChange(event);
  return change === 0 ? null : change;
}

const keyOf = (message: KafkaRecord): string | null =>
  message.key === null ? null : message.key.toString('utf8');

/**
 * Every entry field in one object literal of one fixed shape (no spreads: this runs once per
 * record). The fields of `rest` that are not given are null.
 */
function content(
  kind: EntryContent['kind'],
  topic: string,
  partition: number,
  message: KafkaRecord,
  recordedAt: number,
  rest: {
    readonly key?: string | null;
    readonly payload?: string | null;
    readonly schemaSubject?: string | null;
    readonly schemaVersion?: number | null;
    readonly schemaId?: number | null;
    readonly accountId?: string | null;
    readonly eventType?: string | null;
    readonly accountVersion?: number | null;
    readonly amount?: number | null;
    readonly currency?: string | null;
    readonly occurredAt?: number | null;
    readonly anomalyReason?: string | null;
    readonly anomalyDetail?: string | null;
  },
): EntryContent {
  return {
    kind,
    topic,
    partition,
    offset: message.offset,
    kafkaTimestamp: message.timestamp,
    key: rest.key === undefined ? keyOf(message) : rest.key,
    raw: message.value === null ? null : message.value.toString('base64'),
    payload: rest.payload ?? null,
    schemaSubject: rest.schemaSubject ?? null,
    schemaVersion: rest.schemaVersion ?? null,
    schemaId: rest.schemaId ?? null,
    accountId: rest.accountId ?? null,
    eventType: rest.eventType ?? null,
    accountVersion: rest.accountVersion ?? null,
    amount: rest.amount ?? null,
    currency: rest.currency ?? null,
    occurredAt: rest.occurredAt ?? null,
    anomalyReason: rest.anomalyReason ?? null,
    anomalyDetail: rest.anomalyDetail ?? null,
    recordedAt,
  };
}

function anomaly(
  topic: string,
  partition: number,
  message: KafkaRecord,
  recordedAt: number,
  reason: string,
  detail: string,
  schemaId: number | null = null,
): EntryContent {
  const key = keyOf(message);
  return content('anomaly', topic, partition, message, recordedAt, {
    key,
    schemaId,
    accountId: key,
    anomalyReason: reason,
    anomalyDetail: detail.slice(0, 2_000),
  });
}

function eventEntry(
  event: AccountEvent,
  info: SchemaInfo,
  schemaId: number,
  topic: string,
  partition: number,
  message: KafkaRecord,
  recordedAt: number,
): EntryContent {
  return {
    kind: 'event',
    topic,
    partition,
    offset: message.offset,
    kafkaTimestamp: message.timestamp,
    key: keyOf(message),
    raw: (message.value as Buffer).toString('base64'),
    payload: canonicalJson(event),
    schemaSubject: info.subject,
    schemaVersion: info.version,
    schemaId,
    accountId: event.accountId,
    eventType: event.type,
    accountVersion: event.version,
    amount: amountOf(event),
    currency: 'currency' in event ? event.currency : null,
    occurredAt: event.occurredAt,
    anomalyReason: null,
    anomalyDetail: null,
    recordedAt,
  };
}

/**
 * `eventContent` without waiting, when the record's schema id is already known to the serde and to
 * the schema info cache (every record but the first of each id); undefined otherwise.
 */
export function eventContentCached(
  serde: AccountEventSerde,
  schemas: SchemaInfoCache,
  topic: string,
  partition: number,
  message: KafkaRecord,
  recordedAt: number,
): EntryContent | undefined {
  const value = message.value;
  if (value === null || value.length < 5) return undefined; // the slow path names the anomaly
  const schemaId = value.readUInt32BE(1);
  const info = schemas.cached(schemaId);
  if (info === undefined) return undefined;
  let event: AccountEvent | undefined;
  try {
    event = serde.decodeCached(value);
  } catch (error) {
    if (error instanceof EventDecodeError) return undefined; // the slow path records the anomaly
    throw error;
  }
  return event && eventEntry(event, info, schemaId, topic, partition, message, recordedAt);
}

/** An account event record as an entry; an undecodable record becomes an anomaly entry. */
export async function eventContent(
  serde: AccountEventSerde,
  schemas: SchemaInfoCache,
  topic: string,
  partition: number,
  message: KafkaRecord,
  recordedAt: number,
): Promise<EntryContent> {
  let event: AccountEvent;
  try {
    event = await serde.decode(message.value);
  } catch (error) {
    if (error instanceof EventDecodeError) {
      return anomaly(
        topic,
        partition,
        message,
        recordedAt,
        error.reason,
        error.message,
        error.schemaId ?? null,
      );
    }
    throw error; // the registry is unreachable: retry the batch, do not record a false anomaly
  }
  const schemaId = (message.value as Buffer).readUInt32BE(1);
  const info = await schemas.lookup(topic, schemaId, event.type);
  return eventEntry(event, info, schemaId, topic, partition, message, recordedAt);
}

/**
 * A command outcome record (JSON, `v: 1`, written by apps/intake) as an entry. The payload is the
 * record re-encoded canonically; the raw bytes keep it exactly as received.
 */
export function outcomeContent(
  topic: string,
  partition: number,
  message: KafkaRecord,
  recordedAt: number,
): EntryContent {
  let record: Record<string, unknown>;
  let payload: string;
  try {
    if (message.value === null) throw new Error('record has no value');
    const parsed: unknown = JSON.parse(message.value.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not a JSON object');
    }
    record = parsed as Record<string, unknown>;
    if (record['v'] !== 1) throw new Error(`unknown outcome record version ${String(record['v'])}`);
    if (
      typeof record['commandId'] !== 'string' ||
      typeof record['accountId'] !== 'string' ||
      (record['outcome'] !== 'accepted' && record['outcome'] !== 'rejected') ||
      typeof record['decidedAt'] !== 'number'
    ) {
      throw new Error('missing commandId, accountId, outcome or decidedAt');
    }
    payload = canonicalJson(record);
  } catch (error) {
    const reason = error instanceof CanonicalEncodingError ? 'NOT_CANONICAL' : 'INVALID_OUTCOME';
    return anomaly(topic, partition, message, recordedAt, reason, String(error));
  }
  const rejection = record['rejection'] as { code?: unknown } | null | undefined;
  return content('outcome', topic, partition, message, recordedAt, {
    payload,
    accountId: record['accountId'] as string,
    eventType:
      record['outcome'] === 'rejected'
        ? `Rejected:${typeof rejection?.code === 'string' ? rejection.code : 'UNKNOWN'}`
        : `Accepted:${String(record['commandType'])}`,
    accountVersion: typeof record['version'] === 'number' ? record['version'] : null,
    currency: typeof record['currency'] === 'string' ? record['currency'] : null,
    occurredAt: record['decidedAt'] as number,
  });
}

export interface IngestorOptions {
  readonly store: AuditStore;
  readonly kind: 'events' | 'outcomes';
  readonly serde?: AccountEventSerde;
  readonly schemas?: SchemaInfoCache;
  readonly metrics?: AuditMetrics;
  readonly clock?: () => number;
}

/**
 * The PartitionStore the shared consumer drives: turns a fetched batch into entries and appends
 * them with the partition's next offset in one transaction. Poison records become anomaly
 * entries (kept in the chain with their raw bytes, counted, /readyz fails), never skipped.
 */
export class AuditIngestor implements PartitionStore {
  constructor(private readonly options: IngestorOptions) {
    if (options.kind === 'events' && (!options.serde || !options.schemas)) {
      throw new Error('an events ingestor needs a serde and a schema info cache');
    }
  }

  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.options.store.loadOffsets(topic);
  }

  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    const { store, kind, metrics } = this.options;
    const recordedAt = (this.options.clock ?? Date.now)();
    const contents: EntryContent[] = [];
    const { topic, partition } = batch;
    if (kind === 'events') {
      const serde = this.options.serde as AccountEventSerde;
      const schemas = this.options.schemas as SchemaInfoCache;
      for (const message of batch.messages) {
        contents.push(
          // Synchronous for a known schema id; the first record of an id (and any record that
          // does not decode) takes the awaited path.
          eventContentCached(serde, schemas, topic, partition, message, recordedAt) ??
            (await eventContent(serde, schemas, topic, partition, message, recordedAt)),
        );
      }
    } else {
      for (const message of batch.messages) {
        contents.push(outcomeContent(topic, partition, message, recordedAt));
      }
    }
    const result = await store.append({
      topic: batch.topic,
      partition: batch.partition,
      fromOffset: batch.fromOffset,
      nextOffset: batch.nextOffset,
      contents,
    });
    if (result.kind === 'stale') return { kind: 'reload' };
    if (metrics) {
      for (const content of contents) metrics.entries.inc({ kind: content.kind });
      const anomalies = contents.filter((c) => c.kind === 'anomaly');
      for (const a of anomalies) metrics.anomalies.inc({ reason: a.anomalyReason ?? 'UNKNOWN' });
    }
    return { kind: 'applied', nextOffset: batch.nextOffset, applied: contents.length };
  }
}
