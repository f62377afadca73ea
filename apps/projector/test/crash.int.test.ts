import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { uniqueName, waitUntil } from '@tally/kafka/testing';
import { testIssuer } from '@tally/service/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectAll } from '../src/projection.js';
import { eventsTopic, manyEvents, storeFactories } from './support.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const ACCOUNTS = 400;
const PER_ACCOUNT = 100; // 40,000 events: batches of thousands of records

let topic: Awaited<ReturnType<typeof eventsTopic>>;
const events = manyEvents('crash', ACCOUNTS, PER_ACCOUNT);

beforeAll(async () => {
  topic = await eventsTopic(3);
  await topic.send(events);
});
afterAll(async () => {
  await topic?.close();
});

function startProjector(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--conditions=@tally/source', '--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe.each(storeFactories)('kill -9 in the middle of the replay: $name', (factory) => {
  it('restarts from the stored offsets: the model equals the fold of all events', async () => {
    const { store, env, cleanup } = await factory.create();
    try {
      const childEnv = {
        ...env,
        ...(await testIssuer()).env,
        TALLY_EVENTS_TOPIC: topic.topic,
        PROJECTOR_GROUP_ID: uniqueName('crash'),
        PROJECTOR_SESSION_TIMEOUT_MS: '6000',
        PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
      };
      const applied = async () =>
        [...(await store.loadOffsets(topic.topic)).values()].reduce((s, o) => s + Number(o), 0);

      const first = startProjector(childEnv);
      await waitUntil('some batches committed', async () => (await applied()) > 0, 60_000, 5);
      first.kill('SIGKILL');
      await exited(first);
      const atKill = await applied();
      expect(atKill).toBeLessThan(events.length); // killed mid-replay, not after it

      const second = startProjector(childEnv);
      await waitUntil(
        'caught up after restart',
        async () => (await applied()) >= events.length,
        60_000,
      );
      second.kill('SIGTERM');
      expect(await exited(second)).toBe(0); // graceful shutdown

      const expected = projectAll(events);
      const dump = await store.dump();
      expect(dump.accounts).toEqual(
        [...expected.accounts.values()].sort((a, b) => (a.accountId < b.accountId ? -1 : 1)),
      );
      expect(dump.history).toHaveLength(events.length);
      const sortedHistory = [...expected.history].sort((a, b) =>
        a.accountId === b.accountId ? a.version - b.version : a.accountId < b.accountId ? -1 : 1,
      );
      expect(dump.history).toEqual(sortedHistory);
    } finally {
      await cleanup();
    }
  });
});
