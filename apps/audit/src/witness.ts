import { AccountEventSerde, registryOptions } from '@tally/events';
import { readTopicSnapshot, type KafkaClient, type KafkaRecord } from '@tally/kafka';
import type { Logger } from '@tally/service';
import type { AuditConfig } from './config.js';
import { chainId } from './core/chain.js';
import {
  chainsWithoutPartition,
  derivedFields,
  recordOfEntry,
  recordOfKafka,
  witnessPartition,
  type LoggedRecord,
  type PartitionWitness,
  type WitnessDifference,
  type WitnessRecord,
} from './core/witness.js';
import { entryContent, eventRecordFacts, outcomeRecordFacts, type RecordReader } from './ingest.js';
import type { AuditStore } from './store/types.js';

/**
 * The witness check's shell (`audit check-against-log`): re-reads the audited topics from Kafka
 * and compares every partition with its chain (core/witness.ts), all partitions at once, each
 * streaming from both sides. Decoding each record again also compares what ingest derived from it
 * (payload, account, amount, ...), so an edited derived column is found even with the raw bytes
 * kept and the chain recomputed.
 */

export interface WitnessReport {
  readonly ok: boolean;
  readonly checkedAt: number;
  readonly durationMs: number;
  readonly topics: readonly string[];
  /** Records found in the log unchanged, in order, over all partitions. */
  readonly matched: number;
  /** Records on the topics that the log does not hold yet (newer than its position). */
  readonly notYetIngested: number;
  /** The first difference by chain order, or an unknown chain. */
  readonly firstDifference: WitnessDifference | null;
  /** Chains in the log that name no partition of the topics read. */
  readonly unknownChains: readonly string[];
  readonly partitions: readonly PartitionWitness[];
}

export interface WitnessCheckOptions {
  readonly kafka: KafkaClient;
  readonly store: AuditStore;
  /** The events topic and the serde that decodes it. */
  readonly eventsTopic: string;
  readonly serde: AccountEventSerde;
  /** The outcomes topic, and whether outcomes are audited now. */
  readonly outcomesTopic?: string | undefined;
  readonly auditOutcomes?: boolean;
  /** A record older than this (ms) not yet in the log counts as missing. */
  readonly maxIngestDelayMs: number;
  /** The whole check fails with a timeout after this long (ms). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly clock?: () => number;
  readonly pageSize?: number;
  /**
   * Each read names a fresh consumer group `<prefix>-<uuid>`; it must lie inside the groups the
   * audit's Kafka principal may use (`witnessGroupPrefix`).
   */
  readonly groupPrefix: string;
}

/**
 * The witness's consumer groups start with the service's own group id (AUDIT_GROUP_ID), the
 * prefix its Kafka grant allows (`auditKafkaGrant`), so another deployment's group id keeps the
 * witness readable under ACLs.
 */
export function witnessGroupPrefix(groupId: string): string {
  return `${groupId}-witness`;
}

export class WitnessTimeoutError extends Error {
  readonly code = 'WITNESS_TIMEOUT';
  constructor(ms: number) {
    super(`the witness check did not finish within ${ms} ms`);
    this.name = 'WitnessTimeoutError';
  }
}

async function* chainRecords(
  store: AuditStore,
  chain: string,
  pageSize: number,
): AsyncGenerator<LoggedRecord> {
  for (let after = 0; ;) {
    const page = await store.scanChain(chain, after, pageSize);
    for (const entry of page) yield recordOfEntry(entry, true);
    if (page.length < pageSize) return;
    after = page.at(-1)?.seq ?? after;
  }
}

async function* kafkaRecords(
  topic: string,
  partition: number,
  records: AsyncIterable<KafkaRecord>,
  read: RecordReader,
): AsyncGenerator<WitnessRecord> {
  for await (const record of records) {
    const facts = read(record);
    const content = entryContent(
      topic,
      partition,
      record,
      0,
      facts instanceof Promise ? await facts : facts,
    );
    yield recordOfKafka(record, derivedFields(content));
  }
}

async function listTopics(kafka: KafkaClient): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

/** Compares the log with the topics as they are now; resolves with the report. */
export async function checkAgainstLog(options: WitnessCheckOptions): Promise<WitnessReport> {
  const clock = options.clock ?? Date.now;
  const started = performance.now();
  const checkedAt = clock();
  const { store } = options;
  const pageSize = options.pageSize ?? 2_000;
  // The log's position: its stored offsets, raised to a signed digest's where that is higher
  // (offsets moved back below a signed digest are not believed).
  const heads = await store.headsWithOffsets();
  const signed = new Map(
    ((await store.latestSignedDigest())?.heads ?? []).map((h) => [h.chain, BigInt(h.nextOffset)]),
  );
  const position = new Map(
    heads.map((h) => {
      const stored = BigInt(h.nextOffset);
      const atLeast = signed.get(h.chain) ?? 0n;
      return [h.chain, (stored > atLeast ? stored : atLeast).toString()];
    }),
  );
  for (const [chain, offset] of signed) {
    if (!position.has(chain)) position.set(chain, offset.toString());
  }
  const readers = new Map<string, RecordReader>([
    [options.eventsTopic, (record) => eventRecordFacts(options.serde, record)],
  ]);
  // Outcomes are read when they are audited, or when the log holds some from earlier.
  const { outcomesTopic } = options;
  if (
    outcomesTopic !== undefined &&
    (options.auditOutcomes || heads.some((h) => h.topic === outcomesTopic))
  ) {
    readers.set(outcomesTopic, outcomeRecordFacts);
  }
  const existing = new Set(await listTopics(options.kafka));
  const topics = [...readers.keys()].filter((topic) => existing.has(topic)).sort();

  const snapshots = await Promise.all(
    topics.map((topic) =>
      readTopicSnapshot({
        kafka: options.kafka,
        topic,
        groupPrefix: options.groupPrefix,
        ...(options.logger ? { logger: options.logger } : {}),
      }),
    ),
  );
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const comparisons = snapshots.flatMap((snapshot) =>
      snapshot.partitions.map((p) => {
        const chain = chainId(snapshot.topic, p.partition);
        const read = readers.get(snapshot.topic) as RecordReader;
        return witnessPartition(
          snapshot.topic,
          p.partition,
          chainRecords(store, chain, pageSize),
          kafkaRecords(snapshot.topic, p.partition, p.records, read),
          {
            mustHoldBelow: position.get(chain) ?? '0',
            now: checkedAt,
            maxIngestDelayMs: options.maxIngestDelayMs,
          },
        );
      }),
    );
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WitnessTimeoutError(timeoutMs)), timeoutMs);
      timer.unref();
    });
    const partitions = await Promise.race([Promise.all(comparisons), deadline]);
    partitions.sort((a, b) =>
      chainId(a.topic, a.partition) < chainId(b.topic, b.partition) ? -1 : 1,
    );
    const known = snapshots.flatMap((s) =>
      s.partitions.map((p) => ({ topic: s.topic, partition: p.partition })),
    );
    const logChains = [...new Set([...(await store.chains()), ...heads.map((h) => h.chain)])];
    const unknownChains = chainsWithoutPartition(logChains, known).sort();
    const firstDifference = partitions.find((p) => p.firstDifference)?.firstDifference ?? null;
    return {
      ok: firstDifference === null && unknownChains.length === 0,
      checkedAt,
      durationMs: Math.round(performance.now() - started),
      topics,
      matched: partitions.reduce((sum, p) => sum + p.matched, 0),
      notYetIngested: partitions.reduce((sum, p) => sum + p.notYetIngested, 0),
      firstDifference,
      unknownChains,
      partitions,
    };
  } finally {
    clearTimeout(timer);
    await Promise.all(snapshots.map((s) => s.close()));
  }
}

/** The witness check as the service and the CLI run it, from the service's configuration. */
export async function witnessOptionsFrom(
  config: Pick<
    AuditConfig,
    | 'SCHEMA_REGISTRY_URL'
    | 'SCHEMA_REGISTRY_USERNAME'
    | 'SCHEMA_REGISTRY_PASSWORD'
    | 'TALLY_EVENTS_TOPIC'
    | 'TALLY_OUTCOMES_TOPIC'
    | 'AUDIT_INGEST_OUTCOMES'
    | 'AUDIT_WITNESS_MAX_INGEST_DELAY_MS'
    | 'AUDIT_GROUP_ID'
  >,
  kafka: KafkaClient,
  store: AuditStore,
  logger: Logger,
): Promise<WitnessCheckOptions> {
  return {
    kafka,
    store,
    eventsTopic: config.TALLY_EVENTS_TOPIC,
    serde: await AccountEventSerde.connect({
      ...registryOptions(config),
      topic: config.TALLY_EVENTS_TOPIC,
    }),
    outcomesTopic: config.TALLY_OUTCOMES_TOPIC,
    auditOutcomes: config.AUDIT_INGEST_OUTCOMES,
    maxIngestDelayMs: config.AUDIT_WITNESS_MAX_INGEST_DELAY_MS,
    groupPrefix: witnessGroupPrefix(config.AUDIT_GROUP_ID),
    logger,
  };
}
