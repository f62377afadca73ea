import {
  canonicalJson,
  decodeOutcome,
  schemaIdOf,
  type AccountEventSerde,
  type DecodedEvent,
  type OutcomeRecord,
} from '@tally/events';
import {
  isPoison,
  type ApplyResult,
  type KafkaRecord,
  type PartitionBatch,
  type PartitionStore,
} from '@tally/kafka';
import { balanceChange } from '@tally/ledger';
import type { EntryContent } from './core/chain.js';
import type { AuditMetrics } from './metrics.js';
import type { AppendResult, AuditStore } from './store/types.js';

/** What an entry says about its record beyond the record's Kafka coordinates. */
type Facts = Omit<
  EntryContent,
  'topic' | 'partition' | 'offset' | 'kafkaTimestamp' | 'key' | 'raw' | 'recordedAt'
>;

const keyOf = (record: KafkaRecord): string | null =>
  record.key === null ? null : record.key.toString('utf8');

/**
 * The one place an entry is put together: the record's coordinates and bytes, and the facts.
 * Every field named, no spread: this runs once per record.
 */
export function entryContent(
  topic: string,
  partition: number,
  record: KafkaRecord,
  recordedAt: number,
  facts: Facts,
): EntryContent {
  return {
    kind: facts.kind,
    topic,
    partition,
    offset: record.offset,
    kafkaTimestamp: record.timestamp,
    key: keyOf(record),
    raw: record.value === null ? null : record.value.toString('base64'),
    payload: facts.payload,
    schemaSubject: facts.schemaSubject,
    schemaVersion: facts.schemaVersion,
    schemaId: facts.schemaId,
    accountId: facts.accountId,
    eventType: facts.eventType,
    accountVersion: facts.accountVersion,
    amount: facts.amount,
    currency: facts.currency,
    occurredAt: facts.occurredAt,
    anomalyReason: facts.anomalyReason,
    anomalyDetail: facts.anomalyDetail,
    recordedAt,
  };
}

/** A record that could not be decoded: kept with its raw bytes, the reason and the detail. */
export function anomalyFacts(record: KafkaRecord, reason: string, detail: string): Facts {
  return {
    kind: 'anomaly',
    payload: null,
    schemaSubject: null,
    schemaVersion: null,
    schemaId: schemaIdOf(record.value),
    accountId: keyOf(record),
    eventType: null,
    accountVersion: null,
    amount: null,
    currency: null,
    occurredAt: null,
    anomalyReason: reason,
    anomalyDetail: detail.slice(0, 2_000),
  };
}

/** An account event with the schema it was written with. */
export function eventFacts({ event, writer }: DecodedEvent): Facts {
  const change = balanceChange(event);
  return {
    kind: 'event',
    payload: canonicalJson(event),
    schemaSubject: writer.subject,
    schemaVersion: writer.version,
    schemaId: writer.id,
    accountId: event.accountId,
    eventType: event.type,
    accountVersion: event.version,
    // Null for an event that moves no money (every movement is at least one minor unit).
    amount: change === 0 ? null : change,
    currency: 'currency' in event ? event.currency : null,
    occurredAt: event.occurredAt,
    anomalyReason: null,
    anomalyDetail: null,
  };
}

/** A command outcome; its payload is the record re-encoded canonically. */
export function outcomeFacts(outcome: OutcomeRecord, payload: string): Facts {
  return {
    kind: 'outcome',
    payload,
    schemaSubject: null,
    schemaVersion: null,
    schemaId: null,
    accountId: outcome.accountId,
    eventType:
      outcome.outcome === 'rejected'
        ? `Rejected:${outcome.rejection?.code ?? 'UNKNOWN'}`
        : `Accepted:${outcome.commandType}`,
    accountVersion: outcome.version,
    amount: null,
    currency: outcome.currency,
    occurredAt: outcome.decidedAt,
    anomalyReason: null,
    anomalyDetail: null,
  };
}

/**
 * A poison record as an anomaly. Anything else (the registry unreachable, say) is rethrown: the
 * batch is retried and no false anomaly is recorded.
 */
const poisonAsAnomaly =
  (record: KafkaRecord) =>
  (error: unknown): Facts => {
    if (!isPoison(error)) throw error;
    return anomalyFacts(record, error.reason, error.message);
  };

/**
 * The facts of an account-event record. Synchronous for a schema id seen before (every record
 * but the first of each id), so a batch costs no promise per record.
 */
export function eventRecordFacts(
  serde: AccountEventSerde,
  record: KafkaRecord,
): Facts | Promise<Facts> {
  try {
    const decoded = serde.decodeWithSchemaCached(record.value);
    if (decoded !== undefined) return eventFacts(decoded);
  } catch (error) {
    return poisonAsAnomaly(record)(error);
  }
  return serde.decodeWithSchema(record.value).then(eventFacts, poisonAsAnomaly(record));
}

/** The facts of a command-outcome record. */
export function outcomeRecordFacts(record: KafkaRecord): Facts {
  let outcome: OutcomeRecord;
  try {
    outcome = decodeOutcome(record.value);
  } catch (error) {
    return poisonAsAnomaly(record)(error);
  }
  let payload: string;
  try {
    payload = canonicalJson(outcome);
  } catch (error) {
    // A field a newer writer added holds a value with no canonical form (a fraction, say).
    return anomalyFacts(record, 'NOT_CANONICAL', String(error));
  }
  return outcomeFacts(outcome, payload);
}

/** Turns one record into the facts of its entry. */
export type RecordReader = (record: KafkaRecord) => Facts | Promise<Facts>;

/**
 * The PartitionStore the shared read-model service drives: turns a fetched batch into entries and
 * appends them with the partition's next offset in one transaction. Poison records become anomaly
 * entries (kept in the chain with their raw bytes, counted, /readyz fails), never skipped.
 */
export class AuditIngestor implements PartitionStore {
  constructor(
    private readonly store: AuditStore,
    private readonly read: RecordReader,
    private readonly metrics?: AuditMetrics,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Account events of the events topic, decoded with the serde. */
  static events(store: AuditStore, serde: AccountEventSerde, metrics?: AuditMetrics) {
    return new AuditIngestor(store, (record) => eventRecordFacts(serde, record), metrics);
  }

  /** The intake's command outcomes. */
  static outcomes(store: AuditStore, metrics?: AuditMetrics) {
    return new AuditIngestor(store, outcomeRecordFacts, metrics);
  }

  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.store.loadOffsets(topic);
  }

  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    const recordedAt = this.clock();
    const { topic, partition } = batch;
    // Facts that needed the registry (a schema id not seen before): awaited outside the write.
    const awaited = new Map<KafkaRecord, Facts>();
    for (;;) {
      const kinds = new Map<string, number>();
      // Read again, from the start, when the store writes the batch again (its group failed).
      const contents = {
        [Symbol.iterator]: () => {
          kinds.clear();
          return this.contents(batch, recordedAt, awaited, kinds);
        },
      };
      let result: AppendResult;
      try {
        result = await this.store.append({
          topic,
          partition,
          fromOffset: batch.fromOffset,
          nextOffset: batch.nextOffset,
          contents,
        });
      } catch (error) {
        if (!(error instanceof FactsPending)) throw error;
        // Nothing was written; once the registry answered, the batch is written again.
        awaited.set(error.record, await error.facts);
        continue;
      }
      if (result.kind === 'stale') return { kind: 'reload' };
      let applied = 0;
      for (const [kind, count] of kinds) {
        applied += count;
        if (!this.metrics) continue;
        if (kind.startsWith('anomaly:')) {
          this.metrics.entries.inc({ kind: 'anomaly' }, count);
          this.metrics.anomalies.inc({ reason: kind.slice('anomaly:'.length) }, count);
        } else {
          this.metrics.entries.inc({ kind }, count);
        }
      }
      return { kind: 'applied', nextOffset: batch.nextOffset, applied };
    }
  }

  /**
   * The batch's entry contents, made as the store takes them (not all at once: memory follows the
   * fetch, not the entries). Counts them by kind (anomalies by `anomaly:<reason>`). A record whose
   * facts need the registry ends the write with FactsPending.
   */
  private *contents(
    batch: PartitionBatch,
    recordedAt: number,
    awaited: ReadonlyMap<KafkaRecord, Facts>,
    kinds: Map<string, number>,
  ): Generator<EntryContent> {
    for (const record of batch.messages) {
      const facts = awaited.get(record) ?? this.read(record);
      if (facts instanceof Promise) throw new FactsPending(record, facts);
      const kind =
        facts.kind === 'anomaly' ? `anomaly:${facts.anomalyReason ?? 'UNKNOWN'}` : facts.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      yield entryContent(batch.topic, batch.partition, record, recordedAt, facts);
    }
  }
}

/** A record's facts wait for the registry: the write stops, they are awaited, it starts again. */
class FactsPending extends Error {
  constructor(
    readonly record: KafkaRecord,
    readonly facts: Promise<Facts>,
  ) {
    super('a record waits for the schema registry');
    this.name = 'FactsPending';
  }
}
