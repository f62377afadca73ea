import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitUntil } from '@tally/kafka/testing';
import {
  endOffsetSum,
  post,
  readCommitted,
  spawnInstance,
  testTopics,
  type TestTopics,
} from './harness.js';

let topics: TestTopics;
let child: ChildProcess | undefined;

beforeAll(async () => {
  topics = await testTopics('shutdown');
});
afterAll(() => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
});

describe('graceful SIGTERM', () => {
  it('finishes in-flight commands, refuses new connections, commits and exits 0', async () => {
    const port = await freePort();
    child = await spawnInstance(topics, port);
    const url = `http://127.0.0.1:${port}`;
    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve));
    const open = await post(
      url,
      '/accounts',
      { accountId: 'acc-t', owner: 'T', currency: 'EUR' },
      {
        'Idempotency-Key': 'open-t',
      },
    );
    expect(open.status).toBe(201);

    const inFlight = Array.from({ length: 5 }, (_, i) =>
      post(
        url,
        '/accounts/acc-t/deposits',
        { amount: 1, currency: 'EUR' },
        { 'Idempotency-Key': `d-${i}` },
      ),
    );
    // Signal once the server took the commands (they are on the commands topic), not decided yet.
    await waitUntil(
      'the commands reached the server',
      async () => (await endOffsetSum(topics.commands)) >= 6n,
      10_000,
      5,
    );
    process.kill(-(child.pid as number), 'SIGTERM');
    const replies = await Promise.all(inFlight);
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();

    const { events } = await readCommitted(topics);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
