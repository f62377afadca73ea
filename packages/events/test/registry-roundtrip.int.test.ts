import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { ensureTopic, type KafkaProducer } from '@tally/kafka';
import { readTopics, testKafka, uniqueName } from '@tally/kafka/testing';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/index.js';
import { registryUrl } from '@tally/testing';

const kafka = testKafka('registry-roundtrip-test');
const admin = kafka.admin();
const topic = uniqueName('wire');
const subject = `${topic}-tally.test.Transfer`;
const schema = {
  type: 'record',
  name: 'Transfer',
  namespace: 'tally.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ],
};
let producer: KafkaProducer;

beforeAll(async () => {
  await admin.connect();
  await ensureTopic(admin, { topic, partitions: 1, replicationFactor: 1 });
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('@kafkajs/confluent-schema-registry against the local registry', () => {
  it('registers a schema and round-trips a record in Confluent wire format through Kafka', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject, compatibility: 'FULL_TRANSITIVE' as never },
    );
    expect(await new RegistryClient(registryUrl).subjectCompatibility(subject)).toBe(
      'FULL_TRANSITIVE',
    );

    const record = { id: 'tr-1', amount: 12_345 };
    const value = await registry.encode(id, record);
    expect(value[0]).toBe(0);
    expect(value.readUInt32BE(1)).toBe(id);
    await producer.send({ topic, messages: [{ key: 'tr-1', value }] });

    const received = await readTopics(kafka, [topic]);
    expect(received).toHaveLength(1);
    const bytes = received[0]!.record.value!;
    expect(await registry.decode(bytes)).toEqual(record);
    // The body after the 5-byte header is plain Avro that any Avro library reads.
    expect({ ...avro.Type.forSchema(schema as avro.Schema).fromBuffer(bytes.subarray(5)) }).toEqual(
      record,
    );
  });
});
