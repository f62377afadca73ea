import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createKafka, ensureTopic } from '@tally/kafka';
import { freePort, readTopics } from '@tally/kafka/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/index.js';

// A throwaway stack of its own (own ports and data, shared jars and binaries), so that stopping
// and starting it disturbs no other test that runs at the same time.
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const stackScript = `${repoRoot}infra/local/stack.sh`;
const stateDir = `${repoRoot}.local/restart-drill-${randomUUID().slice(0, 8)}`;

const ports = {
  kafka: await freePort(),
  controller: await freePort(),
  registry: await freePort(),
  postgres: await freePort(),
};
const stackEnv = {
  ...process.env,
  TALLY_STATE_DIR: stateDir,
  KAFKA_PORT: String(ports.kafka),
  KAFKA_CONTROLLER_PORT: String(ports.controller),
  KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m',
  SCHEMA_REGISTRY_PORT: String(ports.registry),
  TALLY_PG_PORT: String(ports.postgres),
};

async function stack(command: 'up' | 'down'): Promise<void> {
  await run('bash', [stackScript, command], { env: stackEnv, timeout: 180_000 });
}

afterAll(async () => {
  await stack('down').catch(() => undefined);
  await rm(stateDir, { recursive: true, force: true });
}, 120_000);

describe('local stack restart', () => {
  it('keeps topics, records and schema ids', { timeout: 400_000 }, async () => {
    await stack('up');
    const topic = 'restart.drill.v1';
    const subject = `${topic}-tally.test.Drill`;
    const schema = JSON.stringify({
      type: 'record',
      name: 'Drill',
      namespace: 'tally.test',
      fields: [{ name: 'n', type: 'long' }],
    });
    const registry = new RegistryClient(`http://127.0.0.1:${ports.registry}`);
    const kafka = createKafka({
      KAFKA_BROKERS: [`127.0.0.1:${ports.kafka}`],
      KAFKA_CLIENT_ID: 'restart-drill',
    });

    const admin = kafka.admin();
    await admin.connect();
    await ensureTopic(admin, { topic, partitions: 3, replicationFactor: 1 });
    const { id } = await registry.register(subject, schema);
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, n) => ({ key: `k${n % 7}`, value: String(n) }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();
    await admin.disconnect();

    await stack('down');
    await stack('up');

    const adminAfter = kafka.admin();
    await adminAfter.connect();
    expect(await ensureTopic(adminAfter, { topic, partitions: 3, replicationFactor: 1 })).toBe(
      'verified',
    );
    await adminAfter.disconnect();
    expect((await registry.lookup(subject, schema))?.id).toBe(id);
    expect(JSON.parse((await registry.schemaById(id)).schema)).toEqual(JSON.parse(schema));

    const received = (await readTopics(kafka, [topic])).map(
      ({ record }) => record.value?.toString() ?? '',
    );
    expect(received.map(Number).sort((a, b) => a - b)).toEqual(sent.map((m) => Number(m.value)));
  });
});
