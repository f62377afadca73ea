import { AccountEventSerde } from '@tally/events';
import { TopicFollower, type KafkaRecord } from '@tally/kafka';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { registryUrl } from './scratch.js';

/**
 * Everything committed right now on an events topic and its outcomes topic, read read_committed in
 * offset order: what a test compares the services' answers with.
 */
export async function readCommittedLedger<Outcome>(
  topics: { readonly events: string; readonly outcomes: string },
  decodeOutcome: (value: KafkaRecord['value']) => Outcome,
): Promise<{ events: AccountEvent[]; outcomes: Outcome[] }> {
  const kafka = testKafka('ledger-reader');
  const admin = kafka.admin();
  await admin.connect();
  const serde = await AccountEventSerde.connect({ registryUrl, topic: topics.events });
  const events: AccountEvent[] = [];
  const outcomes: Outcome[] = [];
  const follower = new TopicFollower({
    kafka,
    topics: [topics.events, topics.outcomes],
    groupId: uniqueName('ledger-reader'),
    onMessage: async (topic, _partition, message) => {
      if (topic === topics.events) events.push(await serde.decode(message.value));
      else outcomes.push(decodeOutcome(message.value));
    },
  });
  try {
    const ends = await TopicFollower.endOffsets(admin, [topics.events, topics.outcomes]);
    await follower.start();
    await follower.waitFor(ends);
  } finally {
    await follower.stop();
    await admin.disconnect();
  }
  return { events, outcomes };
}
