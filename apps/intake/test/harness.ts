import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { loadSchemas, registerSchemas, RegistryClient, type OutcomeRecord } from '@tally/events';
import { TopicFollower } from '@tally/kafka';
import { testKafka, uniqueName, waitUntil } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { closeHttpServer, createLogger } from '@tally/service';
import { readCommittedLedger } from '@tally/events/testing';
import { loadIntakeConfig } from '../src/config.js';
import { startIntake, type IntakeRuntime } from '../src/runtime.js';
import { registryUrl } from '@tally/testing';

export { registryUrl };

export const PARTITIONS = 3;
const appDir = fileURLToPath(new URL('..', import.meta.url));

export interface TestTopics {
  readonly events: string;
  readonly commands: string;
  readonly outcomes: string;
  readonly group: string;
  readonly prefix: string;
}

/** Fresh topic, group and transactional-id names for one test file, schemas registered. */
export async function testTopics(name: string): Promise<TestTopics> {
  const topics = {
    events: uniqueName(`${name}.events`),
    commands: uniqueName(`${name}.commands`),
    outcomes: uniqueName(`${name}.outcomes`),
    group: uniqueName(`${name}.processor`),
    prefix: uniqueName(`${name}.tx`),
  };
  await registerSchemas(new RegistryClient(registryUrl), topics.events, loadSchemas());
  return topics;
}

export interface TestInstance {
  readonly url: string;
  readonly runtime: IntakeRuntime;
  /** Graceful: stop taking requests, finish in-flight ones, then stop Kafka. */
  stop(): Promise<void>;
}

/** The env that puts an intake instance, in this process or a child, on the test's topics. */
function instanceEnv(topics: TestTopics): Record<string, string> {
  return {
    SCHEMA_REGISTRY_URL: registryUrl,
    TALLY_EVENTS_TOPIC: topics.events,
    TALLY_COMMANDS_TOPIC: topics.commands,
    TALLY_OUTCOMES_TOPIC: topics.outcomes,
    TALLY_TOPIC_PARTITIONS: String(PARTITIONS),
    INTAKE_PROCESSOR_GROUP: topics.group,
    INTAKE_TRANSACTIONAL_ID_PREFIX: topics.prefix,
    INTAKE_SESSION_TIMEOUT_MS: '6000',
  };
}

/** One intake instance (processor + HTTP) on an ephemeral port, on the given topics. */
export async function startInstance(
  topics: TestTopics,
  env: Record<string, string> = {},
): Promise<TestInstance> {
  const config = loadIntakeConfig({
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    ...instanceEnv(topics),
    INTAKE_COMMAND_TIMEOUT_MS: '10000',
    ...env,
  });
  const logger = createLogger('intake-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');
  const runtime = await startIntake(config, logger);
  const server: Server = runtime.app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await waitUntil('the instance is ready', async () => (await fetch(`${url}/readyz`)).ok, 60_000);
  return {
    url,
    runtime,
    stop: async () => {
      await closeHttpServer(server);
      await runtime.stop();
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export async function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

/** Everything committed on the events and outcomes topics right now, read read_committed. */
export function readCommitted(
  topics: TestTopics,
): Promise<{ events: AccountEvent[]; outcomes: OutcomeRecord[] }> {
  return readCommittedLedger(topics);
}

/** Committed record count of a topic (sum of end offsets; transaction markers included). */
export async function endOffsetSum(topic: string): Promise<bigint> {
  const admin = testKafka('intake-test-admin').admin();
  await admin.connect();
  try {
    const ends = await TopicFollower.endOffsets(admin, [topic]);
    return ends.reduce((sum, e) => sum + e.offset, 0n);
  } finally {
    await admin.disconnect();
  }
}

/** Checks versions run 1..n per account, without gaps or duplicates. */
export function versionsByAccount(events: readonly AccountEvent[]): Map<string, number[]> {
  const byAccount = new Map<string, number[]>();
  for (const event of events) {
    const list = byAccount.get(event.accountId) ?? [];
    list.push(event.version);
    byAccount.set(event.accountId, list);
  }
  return byAccount;
}

/** A second instance as its own process (src/main.ts), so it can be killed with SIGKILL. */
export async function spawnInstance(topics: TestTopics, port: number): Promise<ChildProcess> {
  // Plain node with the tsx loader, so signals and the exit code are the service's own.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@tally/source', 'src/main.ts'],
    {
      cwd: appDir,
      stdio: 'ignore',
      env: {
        ...process.env,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        ...instanceEnv(topics),
      },
      detached: true,
    },
  );
  await waitUntil(
    'the child instance is ready',
    async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true,
    60_000,
    200,
  );
  return child;
}
