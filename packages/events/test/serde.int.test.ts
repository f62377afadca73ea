import { createServer, type Server } from 'node:http';
import { readTopics, testKafka, testTopic, uniqueName, type TestTopic } from '@tally/kafka/testing';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountEventSerde,
  EventDecodeError,
  EventEncodeError,
  frame,
  loadSchemas,
  RegistryClient,
  registerSchemas,
  SchemaNotRegisteredError,
} from '../src/index.js';
import { registryUrl, seedEvents } from '@tally/testing';

const kafka = testKafka('serde-test');
let t: TestTopic;
let topic: string;
const client = new RegistryClient(registryUrl);
let serde: AccountEventSerde;

async function decodeFailure(bytes: Buffer): Promise<EventDecodeError> {
  const error = await serde.decode(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EventDecodeError))
    throw new Error(`expected EventDecodeError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  t = await testTopic(kafka, 'serde', 2);
  topic = t.topic;
  await registerSchemas(client, topic, loadSchemas());
  serde = await AccountEventSerde.connect({ registryUrl, topic });
});

afterAll(() => t.close());

describe('AccountEventSerde', () => {
  it('round-trips every event type through Kafka', async () => {
    const events = seedEvents();
    await t.producer.send({
      topic,
      messages: events.map((e) => ({ key: e.accountId, value: serde.encode(e) })),
    });
    const decoded: unknown[] = [];
    for (const { record } of await readTopics(kafka, [topic])) {
      decoded.push(await serde.decode(record.value));
    }
    expect(decoded).toEqual(events);
  });

  it('is readable by any Confluent consumer: registry REST API plus a plain Avro library', async () => {
    const [event] = seedEvents();
    const bytes = serde.encode(event!);
    // What a Java or Python KafkaAvroDeserializer does: schema id from the header, schema by id.
    expect(bytes[0]).toBe(0);
    const schemaId = bytes.readUInt32BE(1);
    const response = await fetch(`${registryUrl}/schemas/ids/${schemaId}`);
    const { schema } = (await response.json()) as { schema: string };
    const type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
    const { type: _eventType, ...record } = event!;
    expect({ ...type.fromBuffer(bytes.subarray(5)) }).toEqual(record);
    expect(type.name).toBe('tally.account.AccountOpened');
  });

  it('gives a typed error for an unknown schema id, never a crash', async () => {
    const error = await decodeFailure(frame(2_000_000_000, Buffer.from([2, 4])));
    expect(error.reason).toBe('UNKNOWN_SCHEMA_ID');
    expect(error.schemaId).toBe(2_000_000_000);
  });

  it('gives a typed error for a wrong magic byte and for truncated bytes', async () => {
    expect((await decodeFailure(Buffer.from('{"type":"MoneyDeposited"}'))).reason).toBe(
      'WRONG_MAGIC_BYTE',
    );
    const [event] = seedEvents();
    const bytes = serde.encode(event!);
    const truncated = await decodeFailure(bytes.subarray(0, bytes.length - 10));
    expect(truncated.reason).toBe('TRUNCATED');
    expect(truncated.message).toContain(`schema id ${bytes.readUInt32BE(1)}`);
  });

  it('gives a typed error for a record of another subject', async () => {
    const subject = `${topic}-tally.test.NotAnAccountEvent`;
    const schema = {
      type: 'record',
      name: 'NotAnAccountEvent',
      namespace: 'tally.test',
      fields: [{ name: 'x', type: 'long' }],
    };
    const { id } = await client.register(subject, JSON.stringify(schema));
    const bytes = frame(id, avro.Type.forSchema(schema as avro.Schema).toBuffer({ x: 1 }));
    const error = await decodeFailure(bytes);
    expect(error.reason).toBe('UNKNOWN_EVENT_TYPE');
    expect(error.message).toContain('tally.test.NotAnAccountEvent');
  });

  it('refuses to encode an event that does not match its schema, naming the field', () => {
    const [event] = seedEvents();
    expect(() => serde.encode({ ...event!, version: 1.5 } as never)).toThrow(EventEncodeError);
    expect(() => serde.encode({ ...event!, version: 1.5 } as never)).toThrow(/field\(s\): version/);
  });

  it('refuses to start when the schemas are not registered', async () => {
    await expect(
      AccountEventSerde.connect({ registryUrl, topic: uniqueName('unregistered') }),
    ).rejects.toThrow(SchemaNotRegisteredError);
  });
});

describe('schema id caching', () => {
  let proxy: Server;
  let requests = 0;

  beforeAll(async () => {
    // A counting pass-through in front of the real registry.
    proxy = createServer((req, res) => {
      requests++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void fetch(`${registryUrl}${req.url}`, {
          method: req.method ?? 'GET',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
        }).then(async (upstream) => {
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? '',
          });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  it('makes no registry round trip per message in steady state', async () => {
    const address = proxy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const counted = await AccountEventSerde.connect({
      registryUrl: `http://127.0.0.1:${port}`,
      topic,
    });
    const afterConnect = requests;
    const records = Array.from({ length: 200 }, () => seedEvents()).flat();
    const encoded = records.map((e) => counted.encode(e));
    expect(requests).toBe(afterConnect);
    for (const bytes of encoded) await counted.decode(bytes);
    // One schema lookup per distinct writer schema id, then none.
    expect(requests - afterConnect).toBe(new Set(encoded.map((b) => b.readUInt32BE(1))).size);
  });

  it('decodes synchronously once a schema id is cached (decodeCached), undefined before', async () => {
    const address = proxy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const fresh = await AccountEventSerde.connect({
      registryUrl: `http://127.0.0.1:${port}`,
      topic,
    });
    const events = seedEvents();
    const encoded = events.map((e) => fresh.encode(e));
    const before = requests;
    // Not resolved yet: undefined, and no registry round trip.
    expect(encoded.map((b) => fresh.decodeCached(b))).toEqual(encoded.map(() => undefined));
    expect(requests).toBe(before);
    for (const bytes of encoded) await fresh.decode(bytes);
    const afterDecode = requests;
    const cached = encoded.map((b) => fresh.decodeCached(b));
    expect(cached).toEqual(await Promise.all(encoded.map((b) => fresh.decode(b))));
    expect(cached).toEqual(events);
    expect(requests).toBe(afterDecode);
    // Bad frames and bodies throw the same typed errors as decode.
    const wrongMagic = Buffer.from(encoded[0] as Buffer);
    wrongMagic[0] = 1;
    expect(() => fresh.decodeCached(wrongMagic)).toThrow(EventDecodeError);
    const first = encoded[0] as Buffer;
    let error: unknown;
    try {
      fresh.decodeCached(first.subarray(0, first.length - 10));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EventDecodeError);
    expect((error as EventDecodeError).reason).toBe('TRUNCATED');
  });
});
