import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { readTopics, testKafka, testTopic, type TestTopic } from '@tally/kafka/testing';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/index.js';
import { registryUrl } from '@tally/testing';

const kafka = testKafka('registry-roundtrip-test');
let t: TestTopic;
const schema = {
  type: 'record',
  name: 'Transfer',
  namespace: 'tally.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ],
};

beforeAll(async () => {
  t = await testTopic(kafka, 'wire', 1);
});
afterAll(() => t.close());

describe('@kafkajs/confluent-schema-registry against the local registry', () => {
  it('registers a schema and round-trips a record in Confluent wire format through Kafka', async () => {
    const { topic, producer } = t;
    const subject = `${topic}-tally.test.Transfer`;
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
