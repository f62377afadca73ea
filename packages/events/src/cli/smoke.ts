// Proves the local stack end to end: registers the account-event schemas for a check topic,
// produces one AccountOpened event in Confluent wire format and reads it back.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ensureTopic, kafkaFromEnv, TopicFollower } from '@tally/kafka';
import type { AccountOpened } from '@tally/ledger';
import { AccountEventSerde, loadSchemas, RegistryClient } from '../index.js';
import { registerSchemas } from '../workflow.js';

const registryUrl = process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081';
const topic = 'tally.stack-check.v1';

const kafka = kafkaFromEnv(process.env, { clientId: 'tally-stack-check' });
const admin = kafka.admin();
await admin.connect();
await ensureTopic(admin, { topic, partitions: 1, replicationFactor: 1 });
await admin.disconnect();

for (const r of await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas())) {
  console.log(`schema  ${r.subject} version ${r.version} id ${r.id}`);
}
const serde = await AccountEventSerde.connect({ registryUrl, topic });

const accountId = `check-${randomUUID().slice(0, 8)}`;
const event: AccountOpened = {
  type: 'AccountOpened',
  eventId: randomUUID(),
  accountId,
  version: 1,
  occurredAt: Date.now(),
  commandId: randomUUID(),
  correlationId: randomUUID(),
  actor: 'stack-check',
  owner: 'Ada Lovelace',
  currency: 'EUR',
  overdraftLimit: 0,
};
const producer = kafka.producer();
await producer.connect();
const [meta] = await producer.send({
  topic,
  messages: [{ key: accountId, value: serde.encode(event) }],
});
await producer.disconnect();
console.log(
  `produced ${event.type} for ${accountId} at ${topic}/${meta?.partition}@${meta?.baseOffset}`,
);

let received: unknown;
const follower = new TopicFollower({
  kafka,
  topics: [topic],
  groupId: `tally-stack-check-${randomUUID()}`,
  onMessage: async (_topic, _partition, message) => {
    if (message.key?.toString() === accountId) received = await serde.decode(message.value);
  },
});
await follower.start();
const timer = setTimeout(() => {
  console.error('no event read back within 30 s');
  process.exit(1);
}, 30_000);
await follower.waitFor([
  { topic, partition: meta?.partition ?? 0, offset: BigInt(meta?.baseOffset ?? 0) + 1n },
]);
clearTimeout(timer);
await follower.stop();
console.log(`consumed ${JSON.stringify(received)}`);
if (!isDeepStrictEqual(received, event)) {
  console.error('the event read back differs from the one produced');
  process.exit(1);
}
console.log('stack check passed: Kafka and the Schema Registry round-trip an Avro event');
