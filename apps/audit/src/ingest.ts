import { EventDecodeError, type AccountEventSerde } from '@tally/events';
import type { ApplyResult, PartitionBatch, PartitionStore } from '@tally/kafka';
import type { AccountEvent } from '@tally/ledger';
import type { KafkaMessage } from 'kafkajs';
import { canonicalJson, CanonicalEncodingError } from './core/canonical.js';
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
  constructor(private readonly registryUrl: string) {}

  lookup(topic: string, schemaId: number, recordType: string): Promise<SchemaInfo> {
    const key = schemaId;
    let info = this.cache.get(key);
    if (info === undefined) {
      info = this.fetch(topic, schemaId, recordType);
      this.cache.set(key, info);
      info.catch(() => this.cache.delete(key));
    }
    return info;
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

function signedAmount(event: AccountEvent): number | null {
  if (event.type === 'MoneyDeposited') return event.amount;
  if (event.type === 'MoneyWithdrawn') return -event.amount;
  return null;
}

function base(topic: string, partition: number, message: KafkaMessage, recordedAt: number) {
  return {
    topic,
    partition,
    offset: message.offset,
    kafkaTimestamp: message.timestamp,
    key: message.key === null ? null : message.key.toString('utf8'),
    raw: message.value === null ? null : message.value.toString('base64'),
    recordedAt,
  };
}

const none = {
  payload: null,
  schemaSubject: null,
  schemaVersion: null,
  schemaId: null,
  accountId: null,
  eventType: null,
  accountVersion: null,
  amount: null,
  currency: null,
  occurredAt: null,
  anomalyReason: null,
  anomalyDetail: null,
} as const;

function anomaly(
  topic: string,
  partition: number,
  message: KafkaMessage,
  recordedAt: number,
  reason: string,
  detail: string,
  schemaId: number | null = null,
): EntryContent {
  return {
    ...base(topic, partition, message, recordedAt),
    ...none,
    kind: 'anomaly',
    schemaId,
    key: message.key === null ? null : message.key.toString('utf8'),
    accountId: message.key === null ? null : message.key.toString('utf8'),
    anomalyReason: reason,
    anomalyDetail: detail.slice(0, 2_000),
  };
}

/** An account event record as an entry; an undecodable record becomes an anomaly entry. */
export async function eventContent(
  serde: AccountEventSerde,
  schemas: SchemaInfoCache,
  topic: string,
  partition: number,
  message: KafkaMessage,
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
  return {
    ...base(topic, partition, message, recordedAt),
    ...none,
    kind: 'event',
    payload: canonicalJson(event),
    schemaSubject: info.subject,
    schemaVersion: info.version,
    schemaId,
    accountId: event.accountId,
    eventType: event.type,
    accountVersion: event.version,
    amount: signedAmount(event),
    currency: 'currency' in event ? event.currency : null,
    occurredAt: event.occurredAt,
  };
}

/**
 * A command outcome record (JSON, `v: 1`, written by apps/intake) as an entry. The payload is the
 * record re-encoded canonically; the raw bytes keep it exactly as received.
 */
export function outcomeContent(
  topic: string,
  partition: number,
  message: KafkaMessage,
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
  return {
    ...base(topic, partition, message, recordedAt),
    ...none,
    kind: 'outcome',
    payload,
    accountId: record['accountId'] as string,
    eventType:
      record['outcome'] === 'rejected'
        ? `Rejected:${typeof rejection?.code === 'string' ? rejection.code : 'UNKNOWN'}`
        : `Accepted:${String(record['commandType'])}`,
    accountVersion: typeof record['version'] === 'number' ? record['version'] : null,
    currency: typeof record['currency'] === 'string' ? record['currency'] : null,
    occurredAt: record['decidedAt'] as number,
  };
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
    for (const message of batch.messages) {
      contents.push(
        kind === 'events'
          ? await eventContent(
              this.options.serde as AccountEventSerde,
              this.options.schemas as SchemaInfoCache,
              batch.topic,
              batch.partition,
              message,
              recordedAt,
            )
          : outcomeContent(batch.topic, batch.partition, message, recordedAt),
      );
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
