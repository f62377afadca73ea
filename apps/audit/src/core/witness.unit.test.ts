import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@tally/events';
import { chainEntries, GENESIS_HASH, type ChainedEntry, type EntryContent } from './chain.js';
import {
  chainsWithoutPartition,
  derivedFields,
  recordOfEntry,
  recordOfKafka,
  witnessPartition,
  type PartitionBounds,
} from './witness.js';

const TOPIC = 'bank.account-events.v1';
const T = 1_700_000_000_000;

interface KafkaMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
}

/** A partition as Kafka holds it: records at even offsets (transaction markers between). */
function topicPartition(n: number, accounts = 4): KafkaMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const accountId = `acc-${i % accounts}`;
    const event = { accountId, amount: 10 + i, version: Math.floor(i / accounts) + 1 };
    return {
      offset: String(i * 2),
      key: Buffer.from(accountId),
      value: Buffer.from(JSON.stringify(event)),
      timestamp: String(T + i * 1_000),
    };
  });
}

/** What ingest makes of a record (a stand-in for the Avro decode of ingest.ts). */
function ingest(message: KafkaMessage): Omit<EntryContent, 'recordedAt'> {
  const event = JSON.parse(message.value!.toString()) as {
    accountId: string;
    amount: number;
    version: number;
  };
  return {
    kind: 'event',
    topic: TOPIC,
    partition: 0,
    offset: message.offset,
    kafkaTimestamp: message.timestamp,
    key: message.key!.toString(),
    raw: message.value!.toString('base64'),
    payload: canonicalJson(event),
    schemaSubject: null,
    schemaVersion: null,
    schemaId: null,
    accountId: event.accountId,
    eventType: 'MoneyDeposited',
    accountVersion: event.version,
    amount: event.amount,
    currency: 'EUR',
    occurredAt: Number(message.timestamp),
    anomalyReason: null,
    anomalyDetail: null,
  };
}

/** The log of a partition, chained; `edit` lets a test play the database administrator. */
function logOf(contents: Omit<EntryContent, 'recordedAt'>[]): ChainedEntry[] {
  return chainEntries(
    { chain: `${TOPIC}/0`, seq: 0, hash: GENESIS_HASH },
    contents.map((c) => ({ ...c, recordedAt: T + 10_000_000 })),
  ).entries.map((e, i) => ({ ...e, id: 100 + i }));
}

const kafkaRecords = (messages: KafkaMessage[]) =>
  messages.map((m) => recordOfKafka(m, derivedFields(ingest(m))));
const logRecords = (entries: ChainedEntry[]) => entries.map((e) => recordOfEntry(e, true));
const position = (entries: ChainedEntry[]): PartitionBounds => ({
  mustHoldBelow: String(Number(entries.at(-1)!.offset) + 2),
});

async function check(
  messages: KafkaMessage[],
  entries: ChainedEntry[],
  bounds = position(entries),
) {
  return witnessPartition(TOPIC, 0, logRecords(entries), kafkaRecords(messages), bounds, {
    lookahead: 50,
  });
}

describe('witness check against the topic', () => {
  const messages = topicPartition(40);
  const intact = () => logOf(messages.map(ingest));

  it('passes an intact log, and counts records not yet ingested', async () => {
    expect(await check(messages, intact())).toMatchObject({
      ok: true,
      matched: 40,
      notYetIngested: 0,
    });
    const behind = intact().slice(0, 35);
    expect(await check(messages, behind)).toMatchObject({
      ok: true,
      matched: 35,
      notYetIngested: 5,
    });
  });

  it('names an entry edited with its chain recomputed: raw bytes or derived columns', async () => {
    const contents = messages.map(ingest);
    contents[17] = { ...contents[17]!, raw: Buffer.from('{"forged":true}').toString('base64') };
    expect((await check(messages, logOf(contents))).firstDifference).toMatchObject({
      kind: 'altered',
      field: 'value',
      offset: '34',
      seq: 18,
      entryId: 117,
    });
    const amounts = messages.map(ingest);
    amounts[9] = { ...amounts[9]!, amount: 1_000_000 };
    expect((await check(messages, logOf(amounts))).firstDifference).toMatchObject({
      kind: 'altered',
      field: 'derived',
      seq: 10,
    });
  });

  it('names the first record of an account deleted with the chain renumbered', async () => {
    const without = messages.map(ingest).filter((c) => c.accountId !== 'acc-2');
    expect((await check(messages, logOf(without))).firstDifference).toMatchObject({
      kind: 'missing',
      offset: '4',
      seq: 3, // the entry now in its place
    });
  });

  it('names a tail cut above the last digest, even with the stored offset set back', async () => {
    const cut = intact().slice(0, 30);
    // The stored offset still says 80: records below it must be there.
    expect((await check(messages, cut, { mustHoldBelow: '80' })).firstDifference).toMatchObject({
      kind: 'missing',
      offset: '60',
      seq: null,
    });
    // Offset set back to match: the records count as not yet ingested, unless they are old.
    expect(await check(messages, cut)).toMatchObject({ ok: true, notYetIngested: 10 });
    const old = await check(messages, cut, {
      ...position(cut),
      now: T + 3_600_000,
      maxIngestDelayMs: 60_000,
    });
    expect(old.firstDifference).toMatchObject({ kind: 'missing', offset: '60' });
  });

  it('names moved offsets: skipped records, records ingested twice, offsets rewritten', async () => {
    // Stored offset moved forward by 6: three records were never ingested.
    const skipped = logOf([...messages.slice(0, 20), ...messages.slice(23)].map(ingest));
    expect((await check(messages, skipped)).firstDifference).toMatchObject({
      kind: 'missing',
      offset: '40',
    });
    // Stored offset moved back by 10: five records were ingested again.
    const twice = logOf([...messages.slice(0, 25), ...messages.slice(20)].map(ingest));
    expect((await check(messages, twice)).firstDifference).toMatchObject({
      kind: 'duplicated',
      offset: '40',
      seq: 26,
    });
    // An entry's offset rewritten (chain recomputed).
    const rewritten = messages.map(ingest);
    rewritten[12] = { ...rewritten[12]!, offset: '25' };
    expect((await check(messages, logOf(rewritten))).firstDifference).toMatchObject({
      kind: 'missing',
      offset: '24',
      seq: 13,
    });
  });

  it('names reordered entries, an invented entry and an entry past the topic', async () => {
    const swapped = messages.map(ingest);
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    expect((await check(messages, logOf(swapped))).firstDifference).toMatchObject({
      kind: 'reordered',
      offset: '10',
      seq: 7,
    });
    const inventedOdd = messages.map(ingest);
    inventedOdd.splice(8, 0, { ...inventedOdd[7]!, offset: '15' });
    expect((await check(messages, logOf(inventedOdd))).firstDifference).toMatchObject({
      kind: 'extra',
      offset: '15',
      seq: 9,
    });
    const beyond = [...messages.map(ingest), { ...ingest(messages[0]!), offset: '500' }];
    expect((await check(messages, logOf(beyond))).firstDifference).toMatchObject({
      kind: 'extra',
      offset: '500',
      seq: 41,
    });
  });

  it('streams async sources and names chains of partitions that do not exist', async () => {
    async function* slowly<T>(items: T[]) {
      for (const item of items) yield item;
    }
    const result = await witnessPartition(
      TOPIC,
      0,
      slowly(logRecords(intact())),
      slowly(kafkaRecords(messages)),
      position(intact()),
    );
    expect(result).toMatchObject({ ok: true, matched: 40 });
    expect(
      chainsWithoutPartition([`${TOPIC}/0`, `${TOPIC}/9`], [{ topic: TOPIC, partition: 0 }]),
    ).toEqual([`${TOPIC}/9`]);
  });
});
