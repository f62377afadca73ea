import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { loadSchemas, registerSchemas, RegistryClient, type OutcomeRecord } from '@tally/events';
import { TopicFollower } from '@tally/kafka';
import { freePort, readTopics, testKafka, uniqueName, waitUntil } from '@tally/kafka/testing';
import { evolve, initialState, type AccountEvent, type AccountState } from '@tally/ledger';
import { closeHttpServer, createLogger, listen, SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { readCommittedLedger } from '@tally/events/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { registryUrl, scratchDir } from '@tally/testing';
import { loadIntakeServiceConfig } from '../src/config.js';
import { startIntake, type IntakeRuntime } from '../src/runtime.js';

export { registryUrl };

export const PARTITIONS = 3;
const appDir = fileURLToPath(new URL('..', import.meta.url));

/** The issuer every test instance trusts; `teller` speaks for a back-office caller. */
export const issuer = await testIssuer();
export const teller = await issuer.token({
  subject: 'teller',
  scopes: [SCOPES.ledgerRead, SCOPES.ledgerWrite],
  ttlSeconds: 3600,
});

export interface TestTopics {
  readonly events: string;
  readonly commands: string;
  readonly outcomes: string;
  readonly changelog: string;
  readonly group: string;
  readonly prefix: string;
}

/** Fresh topic, group and transactional-id names for one test file, schemas registered. */
export async function testTopics(name: string): Promise<TestTopics> {
  const topics = {
    events: uniqueName(`${name}.events`),
    commands: uniqueName(`${name}.commands`),
    outcomes: uniqueName(`${name}.outcomes`),
    changelog: uniqueName(`${name}.changelog`),
    group: uniqueName(`${name}.processor`),
    prefix: uniqueName(`${name}.tx`),
  };
  await registerSchemas(new RegistryClient(registryUrl), topics.events, loadSchemas());
  return topics;
}

export interface TestInstance {
  readonly url: string;
  readonly runtime: IntakeRuntime;
  /** Its state folder: start another instance on it to restart on the same disk. */
  readonly stateDir: string;
  /** Fatal failures reported by the runtime (the process would exit non-zero). */
  readonly fatal: unknown[];
  /** Graceful: stop taking requests, finish in-flight ones, then stop Kafka. */
  stop(): Promise<void>;
}

/** The env that puts an intake instance, in this process or a child, on the test's topics. */
function instanceEnv(topics: TestTopics): Record<string, string> {
  return {
    ...issuer.env,
    SCHEMA_REGISTRY_URL: registryUrl,
    TALLY_EVENTS_TOPIC: topics.events,
    TALLY_COMMANDS_TOPIC: topics.commands,
    TALLY_OUTCOMES_TOPIC: topics.outcomes,
    TALLY_INTAKE_CHANGELOG_TOPIC: topics.changelog,
    TALLY_TOPIC_PARTITIONS: String(PARTITIONS),
    INTAKE_PROCESSOR_GROUP: topics.group,
    INTAKE_TRANSACTIONAL_ID_PREFIX: topics.prefix,
    INTAKE_SESSION_TIMEOUT_MS: '6000',
  };
}

/** Waits until the instance alone owns every partition, each taken over. */
export async function ownsAll(instance: TestInstance): Promise<void> {
  const { processor } = instance.runtime;
  await waitUntil(
    'the instance owns every partition',
    () => processor.assignedPartitions().length === PARTITIONS && processor.isCaughtUp(),
  );
}

/** A fresh state folder (an empty disk). */
export function freshStateDir(): string {
  return scratchDir('intake-state').dir;
}

/**
 * One intake instance (processor + HTTP) on an ephemeral port, on the given topics, with its
 * own empty state folder unless INTAKE_STATE_DIR names one.
 */
export async function startInstance(
  topics: TestTopics,
  env: Record<string, string> = {},
  options: { waitReady?: boolean; now?: () => number } = {},
): Promise<TestInstance> {
  const config = loadIntakeServiceConfig({
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    ...instanceEnv(topics),
    INTAKE_COMMAND_TIMEOUT_MS: '10000',
    INTAKE_STATE_DIR: freshStateDir(),
    ...env,
  });
  const logger = createLogger('intake-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');
  const fatal: unknown[] = [];
  const runtime = await startIntake(config, logger, {
    onFatal: (error) => fatal.push(error),
    ...(options.now ? { now: options.now } : {}),
  });
  const server: Server = await listen(runtime.app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (options.waitReady !== false) {
    await waitUntil('the instance is ready', async () => (await fetch(`${url}/readyz`)).ok, 60_000);
  }
  return {
    url,
    runtime,
    stateDir: config.INTAKE_STATE_DIR,
    fatal,
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

/** A POST as the teller, unless `headers` carry another Authorization. */
export async function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${teller}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

/** Opens `id` in EUR (keys derived from the id) and deposits `deposit` into it unless 0. */
export async function openAccount(url: string, id: string, deposit = 0): Promise<void> {
  const opened = await post(
    url,
    '/accounts',
    { accountId: id, owner: id, currency: 'EUR' },
    { 'Idempotency-Key': `open-${id}` },
  );
  expect(opened.status).toBe(201);
  if (deposit === 0) return;
  const deposited = await post(
    url,
    `/accounts/${id}/deposits`,
    { amount: deposit, currency: 'EUR' },
    { 'Idempotency-Key': `fund-${id}` },
  );
  expect(deposited.status).toBe(201);
}

/** A GET as the teller, unless another token is given. */
export async function get(url: string, path: string, token = teller): Promise<Reply> {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
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

/** Every account's versions run 1..n, without gaps or repeats, and every event id is unique. */
export function expectEachEventOnce(events: readonly AccountEvent[]): void {
  for (const [accountId, versions] of versionsByAccount(events)) {
    expect(versions, accountId).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
  }
  const eventIds = events.map((e) => e.eventId);
  expect(new Set(eventIds).size).toBe(eventIds.length);
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

export interface SpawnOptions {
  readonly stateDir?: string;
  readonly env?: Record<string, string>;
  /** Default true: resolve once /readyz answers 200. */
  readonly waitReady?: boolean;
}

/** An instance as its own process (src/main.ts), so it can be killed with SIGKILL. */
export async function spawnInstance(
  topics: TestTopics,
  port: number,
  options: SpawnOptions = {},
): Promise<ChildProcess> {
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
        INTAKE_STATE_DIR: options.stateDir ?? freshStateDir(),
        ...options.env,
      },
      detached: true,
    },
  );
  if (options.waitReady === false) return child;
  await waitUntil(
    'the child instance is ready',
    async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true,
    60_000,
    200,
  );
  return child;
}

/** The exit code of a child process once it ended. */
export function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export interface ChangelogRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: string | null;
}

/** Every committed record of the state changelog right now, in offset order per partition. */
export async function readChangelog(topics: TestTopics): Promise<ChangelogRecord[]> {
  const records = await readTopics(testKafka('changelog-reader'), [topics.changelog]);
  return records.map(({ partition, record }) => ({
    partition,
    offset: record.offset,
    key: record.key?.toString('utf8') ?? '',
    value: record.value === null ? null : record.value.toString('utf8'),
  }));
}

/** Each account's state folded from the committed events, by the ledger's own evolve. */
export function foldEvents(events: readonly AccountEvent[]): Map<string, AccountState> {
  const folded = new Map<string, AccountState>();
  for (const event of events) {
    folded.set(event.accountId, evolve(folded.get(event.accountId) ?? initialState, event));
  }
  return folded;
}

export interface OwnerPair {
  readonly topics: TestTopics;
  /** The instance in this process: it takes the requests and keeps running throughout. */
  readonly a: TestInstance;
  /** True while the second owner runs as its own process. */
  readonly secondRuns: boolean;
  /** Spawns the second owner and waits until `a` gave partitions up to it. */
  spawnSecond(): Promise<void>;
  /** Kills the second owner with SIGKILL and waits until `a` owns every partition again. */
  killSecond(): Promise<void>;
}

/**
 * Registers the set-up of a test file in which one owner runs in this process and a second one
 * as its own process, so that it can be killed with SIGKILL mid-flow: fresh topics named after
 * `name`, `a` started before the tests, both stopped after them.
 */
export function ownerPairPerFile(name: string, env: Record<string, string> = {}): OwnerPair {
  let topics: TestTopics | undefined;
  let a: TestInstance | undefined;
  let b: ChildProcess | undefined;
  beforeAll(async () => {
    topics = await testTopics(name);
    a = await startInstance(topics, env);
  });
  afterAll(async () => {
    if (b?.pid) process.kill(-b.pid, 'SIGKILL');
    await a?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the owner pair starts in beforeAll');
    return value;
  };
  return {
    get topics() {
      return started(topics);
    },
    get a() {
      return started(a);
    },
    get secondRuns() {
      return b !== undefined;
    },
    spawnSecond: async () => {
      const first = started(a);
      b = await spawnInstance(started(topics), await freePort());
      await waitUntil(
        'the first owner gave partitions up to the second',
        () => first.runtime.processor.assignedPartitions().length < PARTITIONS,
        30_000,
      );
    },
    killSecond: async () => {
      const first = started(a);
      if (b?.pid === undefined) throw new Error('no second owner runs');
      process.kill(-b.pid, 'SIGKILL');
      b = undefined;
      await waitUntil(
        'the first owner owns every partition again',
        () => first.runtime.processor.assignedPartitions().length === PARTITIONS,
        30_000,
      );
    },
  };
}

/** `workers` concurrent loops calling `send(i)` with i = 0, 1, 2, … until `stop()`. */
export function keepSending(
  workers: number,
  send: (i: number) => Promise<void>,
): { readonly sent: () => number; stop(): Promise<void> } {
  let n = 0;
  let flowing = true;
  const flow = Promise.all(
    Array.from({ length: workers }, async () => {
      while (flowing) await send(n++);
    }),
  );
  return {
    sent: () => n,
    stop: async () => {
      flowing = false;
      await flow;
    },
  };
}
