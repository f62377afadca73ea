import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingBesideHistoryError } from '@tally/events';
import { freePort, testKafka, waitUntil } from '@tally/kafka/testing';
import { scratchDir } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exitCode,
  ownsAll,
  post,
  spawnInstance,
  startInstance,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

/**
 * No silent stall: every failure either is retried until it heals, or makes the instance not
 * ready and exit non-zero. Each case is provoked for real (a disk that cannot be written, a
 * broker that refuses the group, a registry that is not there, a record that cannot be read).
 */
let topics: TestTopics;
const running: TestInstance[] = [];
const scratch = scratchDir('intake-stall');

beforeAll(async () => {
  topics = await testTopics('stall');
});
afterAll(async () => {
  for (const instance of running) await instance.stop().catch(() => undefined);
  scratch.remove();
});

const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;

describe('no silent stall', () => {
  it('retries a failed takeover with backoff until it succeeds', async () => {
    // The state folder cannot be created while a file stands in its way.
    const blocker = join(scratch.dir, 'blocker');
    writeFileSync(blocker, 'not a folder');
    const instance = await startInstance(
      topics,
      { INTAKE_STATE_DIR: join(blocker, 'state') },
      { waitReady: false },
    );
    running.push(instance);
    await waitUntil('a takeover failed', () => instance.runtime.processor.takeoverFailures() > 0);
    expect(await readyz(instance.url)).toBe(503);
    rmSync(blocker);
    await ownsAll(instance);
    expect(await readyz(instance.url)).toBe(200);
    expect(instance.fatal).toEqual([]);
    await instance.stop();
    running.splice(running.indexOf(instance), 1);
  });

  it('is not ready and fatal when the takeover keeps failing', async () => {
    const blocker = join(scratch.dir, 'blocker-for-good');
    writeFileSync(blocker, 'not a folder');
    const instance = await startInstance(
      topics,
      { INTAKE_STATE_DIR: join(blocker, 'state'), INTAKE_TAKEOVER_ATTEMPTS: '2' },
      { waitReady: false },
    );
    running.push(instance);
    await waitUntil('the failure is fatal', () => instance.fatal.length > 0, 30_000);
    expect(await readyz(instance.url)).toBe(503);
  });

  it('exits non-zero when the broker refuses the processor group for good', async () => {
    // Above the broker's group.max.session.timeout.ms: JoinGroup fails, not retriable, and
    // kafkajs crashes the consumer with restart: false.
    const child = await spawnInstance(topics, await freePort(), {
      env: { INTAKE_SESSION_TIMEOUT_MS: '3600000' },
      waitReady: false,
    });
    expect(await exitCode(child)).toBe(1);
  });

  it('exits non-zero when the schema registry cannot be reached at start', async () => {
    const child = await spawnInstance(topics, await freePort(), {
      env: { SCHEMA_REGISTRY_URL: `http://127.0.0.1:${await freePort()}` },
      waitReady: false,
    });
    expect(await exitCode(child)).not.toBe(0);
  });

  it('is not ready and fatal when an answer on the changelog cannot be read', async () => {
    const instance = await startInstance(topics);
    running.push(instance);
    const producer = testKafka('stall-poison').producer();
    await producer.connect();
    await producer.send({
      topic: topics.changelog,
      messages: [{ key: 'command/poison', value: 'not json', partition: 0 }],
    });
    await producer.disconnect();
    await waitUntil('the reader failed', () => instance.fatal.length > 0);
    expect(await readyz(instance.url)).toBe(503);
  });

  it('refuses to start when the state changelog is missing beside events with records', async () => {
    // Topics of its own: the changelog is deleted.
    const own = await testTopics('stall-changelog');
    const first = await startInstance(own);
    const open = await post(
      first.url,
      '/accounts',
      { accountId: 'acc-1', owner: 'Ada', currency: 'EUR' },
      { 'idempotency-key': 'open-acc-1' },
    );
    expect(open.status).toBe(201);
    await first.stop();
    const admin = testKafka('stall-changelog').admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [own.changelog] });
      await waitUntil(
        'the changelog is gone',
        async () => !(await admin.listTopics()).includes(own.changelog),
      );

      // Restored from a changelog created again empty, every account would be unknown.
      const attempt = startInstance(own, {}, { waitReady: false });
      await expect(attempt).rejects.toThrow(MissingBesideHistoryError);
      await expect(attempt).rejects.toThrow(
        `topic(s) ${own.changelog} missing while ${own.events} holds`,
      );
      const child = await spawnInstance(own, await freePort(), { waitReady: false });
      expect(await exitCode(child)).toBe(1);
      expect(await admin.listTopics()).not.toContain(own.changelog);
    } finally {
      await admin.disconnect();
    }
  });
});
