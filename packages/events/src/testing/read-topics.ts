import { testKafka, readTopics } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { registryUrl } from '@tally/testing';
import { decodeOutcome, type OutcomeRecord } from '../outcome-record.js';
import { AccountEventSerde } from '../serde.js';

/**
 * Everything committed right now on an events topic and its outcomes topic, read read_committed in
 * offset order: what a test compares the services' answers with.
 */
export async function readCommittedLedger(topics: {
  readonly events: string;
  readonly outcomes: string;
}): Promise<{ events: AccountEvent[]; outcomes: OutcomeRecord[] }> {
  const serde = await AccountEventSerde.connect({ registryUrl, topic: topics.events });
  const events: AccountEvent[] = [];
  const outcomes: OutcomeRecord[] = [];
  for (const { topic, record } of await readTopics(testKafka('ledger-reader'), [
    topics.events,
    topics.outcomes,
  ])) {
    if (topic === topics.events) events.push(await serde.decode(record.value));
    else outcomes.push(decodeOutcome(record.value));
  }
  return { events, outcomes };
}
