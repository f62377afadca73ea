/**
 * `pnpm bench:intake-scale`: an intake on a large history. For each scale (env BENCH_SCALES,
 * default 100000,1000000 accounts; two commands each, so twice as many outcomes) it preloads the
 * history straight into fresh topics (see scale-preload.ts), then measures on intake processes of
 * their own, run as the image runs them (dist/main.js, its V8 flags and environment):
 * - a fresh instance with an empty disk: time to ready on every partition, the CPU time it took
 *   (load-independent, unlike the wall time on a shared host), RSS when ready;
 * - RSS after BENCH_LOAD_SECONDS (60) of deposits and withdrawals over the preloaded accounts;
 * - a restart on its own disk: time to ready;
 * - failover: a second instance joins (fresh disk), is SIGKILLed, and a command on one of its
 *   partitions, sent through the first instance right after the kill, is answered: time from the
 *   kill to that 201 (target: the session timeout + 5 s).
 * Env: BENCH_SCALES, BENCH_LOAD_SECONDS (60), BENCH_CONNECTIONS (50), BENCH_PARTITIONS (6),
 * BENCH_SESSION_TIMEOUT_MS (10000). The instances trust a throwaway token issuer; every request
 * carries its bearer token, and the per-caller rate limit is off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AccountEventSerde, loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { partitionFor, type KafkaAdmin } from '@tally/kafka';
import { freePort, testKafka, uniqueName } from '@tally/kafka/testing';
import { SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { registryUrl, scratchDir } from '@tally/testing';
import autocannon from 'autocannon';
import { ensureIntakeTopics, type IntakeTopics } from '../src/state/changelog.js';
import { benchAccountId, freshIntakeTopics, preloadHistory } from './scale-preload.js';

const scales = (process.env['BENCH_SCALES'] ?? '100000,1000000').split(',').map(Number);
const loadSeconds = Number(process.env['BENCH_LOAD_SECONDS'] ?? 60);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const partitions = Number(process.env['BENCH_PARTITIONS'] ?? 6);
const sessionTimeoutMs = Number(process.env['BENCH_SESSION_TIMEOUT_MS'] ?? 10_000);
const windowMs = 30 * 24 * 3_600_000;
const issuer = await testIssuer();
const authorization = `Bearer ${await issuer.token({
  subject: 'bench',
  scopes: [SCOPES.ledgerWrite],
  ttlSeconds: 24 * 3600,
})}`;
/** The V8 limits the intake's image runs with (Dockerfile): the heap is bounded, not lazy. */
const NODE_FLAGS = (
  process.env['BENCH_NODE_FLAGS'] ?? '--max-old-space-size=128 --max-semi-space-size=4'
)
  .split(' ')
  .filter((flag) => flag !== '');
/**
 * The rest of the image's environment (Dockerfile). BENCH_MALLOC_ARENA_MAX=N bounds glibc's malloc
 * arenas, to compare: the image keeps glibc's default (2 was larger at 100,000 accounts, ADR 0012).
 */
const DEPLOYED_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  ...(process.env['BENCH_MALLOC_ARENA_MAX']
    ? { MALLOC_ARENA_MAX: process.env['BENCH_MALLOC_ARENA_MAX'] }
    : {}),
};
const appDir = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stdout.write(line);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Instance {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  readonly stateDir: string;
}

/** V8 heap in use and reserved, from the instance's own /metrics. */
async function heapOf(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return `heap ${mb(value('nodejs_heap_size_used_bytes'))} of ${mb(value('nodejs_heap_size_total_bytes'))}, external ${mb(value('nodejs_external_memory_bytes'))}`;
}

function rssOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Where the RSS is: mapped files (mostly the node binary's code, shared and clean), malloc's main
 * heap (SQLite, kafkajs' native buffers, the restore's packed rows) and the other anonymous memory
 * (V8's heap, thread stacks, the other malloc arenas).
 */
function rssSplitOf(child: ChildProcess): string {
  let files = 0;
  let brk = 0;
  let anonymous = 0;
  let mapping = '';
  for (const line of readFileSync(`/proc/${child.pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+(?:\s+(.*))?$/.exec(line);
    if (header) mapping = header[1] ?? '';
    else if (line.startsWith('Rss:')) {
      const bytes = Number(line.split(/\s+/)[1]) * 1024;
      if (mapping.startsWith('/')) files += bytes;
      else if (mapping === '[heap]') brk += bytes;
      else anonymous += bytes;
    }
  }
  return `files ${mb(files)}, malloc main heap ${mb(brk)}, other anonymous ${mb(anonymous)}`;
}

/** CPU seconds the process used so far (all its threads): a figure the host's load does not blur. */
function cpuSecondsOf(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';

async function waitReady(url: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startInstance(
  name: string,
  topics: IntakeTopics & { group: string; prefix: string },
  stateDir: string,
  env: Record<string, string> = {},
): Promise<{ instance: Instance; readyMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    // As deployed: the build (`pnpm bench:intake-scale` builds it first), the image's command.
    [...NODE_FLAGS, '--import', '@tally/telemetry/register', 'dist/main.js'],
    {
      cwd: appDir,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...DEPLOYED_ENV,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        KAFKA_CLIENT_ID: name,
        TALLY_EVENTS_TOPIC: topics.events,
        TALLY_COMMANDS_TOPIC: topics.commands,
        TALLY_OUTCOMES_TOPIC: topics.outcomes,
        TALLY_INTAKE_CHANGELOG_TOPIC: topics.changelog,
        TALLY_TOPIC_PARTITIONS: String(partitions),
        INTAKE_PROCESSOR_GROUP: topics.group,
        INTAKE_TRANSACTIONAL_ID_PREFIX: topics.prefix,
        INTAKE_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
        INTAKE_STATE_DIR: stateDir,
        ...issuer.env,
        RATE_LIMIT_COMMANDS: '0',
        ...env,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url);
  return { instance: { name, child, url, stateDir }, readyMs: performance.now() - started };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function load(url: string, accounts: number) {
  let n = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url,
        connections,
        duration: loadSeconds,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const i = n++;
              const kind = i % 3 === 0 ? 'withdrawals' : 'deposits';
              const account = benchAccountId((i * 7_919) % accounts);
              return {
                ...req,
                path: `/accounts/${account}/${kind}`,
                headers: {
                  'content-type': 'application/json',
                  'idempotency-key': `load-${i}`,
                  authorization,
                },
                body: JSON.stringify({ amount: 100 + (i % 50), currency: 'EUR' }),
              };
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    let second = 0;
    (run as unknown as NodeJS.EventEmitter).on('tick', ({ counter }: { counter: number }) => {
      second += 1;
      if (second % 10 === 0) log(`    ${second}/${loadSeconds} s: ${counter} responses/s\n`);
    });
  });
  return {
    perSecond: result['2xx'] / (result.duration || loadSeconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Partitions of the processor group's member whose client id is `clientId`. */
async function partitionsOf(
  admin: KafkaAdmin,
  group: string,
  clientId: string,
  topic: string,
): Promise<readonly number[]> {
  const member = (await admin.groupMembers(group)).find((m) => m.clientId === clientId);
  return member?.assignment[topic] ?? [];
}

async function benchScale(accounts: number): Promise<Record<string, string>> {
  const kafka = testKafka('intake-scale-bench');
  const admin = kafka.admin();
  await admin.connect();
  const topics = {
    ...freshIntakeTopics('scale'),
    group: uniqueName('scale.processor'),
    prefix: uniqueName('scale.tx'),
  };
  const disks = scratchDir('intake-scale');
  const row: Record<string, string> = { accounts: accounts.toLocaleString('en') };
  const running: Instance[] = [];
  try {
    // The previous scale's topics may still be going away: the broker then refuses for a moment.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await ensureIntakeTopics(admin, topics, partitions, 1);
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
      }
    }
    await registerSchemas(new RegistryClient(registryUrl), topics.events, loadSchemas());
    const serde = await AccountEventSerde.connect({ registryUrl, topic: topics.events });
    log(`\n== ${accounts.toLocaleString('en')} accounts, ${partitions} partitions\n`);
    const preloadStarted = performance.now();
    const counts = await preloadHistory({
      kafka,
      serde,
      topics,
      accounts,
      partitions,
      windowMs,
      log,
    });
    row['preload'] = seconds(performance.now() - preloadStarted);
    log(
      `  preloaded ${counts.events} events, ${counts.outcomes} outcomes, ${counts.changelog} ` +
        `changelog records in ${row['preload']}\n`,
    );

    const diskA = `${disks.dir}/a`;
    const fresh = await startInstance('intake-a', topics, diskA);
    running.push(fresh.instance);
    row['fresh → ready'] = seconds(fresh.readyMs);
    row['CPU to ready'] = `${cpuSecondsOf(fresh.instance.child).toFixed(1)} s`;
    row['RSS ready'] = mb(rssOf(fresh.instance.child));
    log(
      `  fresh instance ready in ${row['fresh → ready']} (CPU ${row['CPU to ready']}, load ` +
        `average ${loadAverage()}), RSS ${row['RSS ready']} (${rssSplitOf(fresh.instance.child)}; ` +
        `${await heapOf(fresh.instance.url)})\n`,
    );

    log(`  load: ${connections} connections, ${loadSeconds} s\n`);
    const loaded = await load(fresh.instance.url, accounts);
    row['load accepted/s'] = loaded.perSecond.toFixed(0);
    row['load p99'] = `${loaded.p99} ms`;
    row['RSS after load'] = mb(rssOf(fresh.instance.child));
    log(
      `  ${row['load accepted/s']} accepted/s, p50 ${loaded.p50} ms, p99 ${loaded.p99} ms, ` +
        `non-2xx ${loaded.non2xx}, errors ${loaded.errors}; RSS ${row['RSS after load']} ` +
        `(${rssSplitOf(fresh.instance.child)}; ${await heapOf(fresh.instance.url)})\n`,
    );

    fresh.instance.child.kill('SIGTERM');
    await exited(fresh.instance.child);
    running.splice(0);
    // A long command timeout: the failover probe below waits for its answer in one request.
    const restarted = await startInstance('intake-a', topics, diskA, {
      INTAKE_COMMAND_TIMEOUT_MS: '120000',
    });
    running.push(restarted.instance);
    row['restart → ready'] = seconds(restarted.readyMs);
    log(`  restart on its own disk ready in ${row['restart → ready']}\n`);

    // Failover: b joins with a fresh disk and takes some partitions; then it is SIGKILLed.
    const second = await startInstance('intake-b', topics, `${disks.dir}/b`, {});
    running.push(second.instance);
    let bOwns: readonly number[] = [];
    const joinDeadline = Date.now() + 120_000;
    while (bOwns.length === 0 && Date.now() < joinDeadline) {
      bOwns = await partitionsOf(admin, topics.group, 'intake-b', topics.commands);
      await waitReady(second.instance.url);
    }
    await waitReady(restarted.instance.url);
    const partitionOf = (key: string) => partitionFor(key, partitions);
    let probe = 0;
    while (!bOwns.includes(partitionOf(benchAccountId(probe)))) probe += 1;
    second.instance.child.kill('SIGKILL');
    const killedAt = performance.now();
    await exited(second.instance.child);
    const answer = await fetch(
      `${restarted.instance.url}/accounts/${benchAccountId(probe)}/deposits`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `failover-${probe}`,
          authorization,
        },
        body: JSON.stringify({ amount: 1, currency: 'EUR' }),
      },
    );
    row['failover'] = seconds(performance.now() - killedAt);
    row['RSS after failover'] = mb(rssOf(restarted.instance.child));
    const failoverSplit = rssSplitOf(restarted.instance.child);
    log(
      `  failover: b owned ${JSON.stringify(bOwns)}; a command on partition ` +
        `${partitionOf(benchAccountId(probe))} answered ${answer.status} ${row['failover']} after the kill ` +
        `(session timeout ${seconds(sessionTimeoutMs)}); RSS of a ${row['RSS after failover']} ` +
        `(${failoverSplit})\n`,
    );
    if (answer.status !== 201) throw new Error(`failover probe answered ${answer.status}`);
    return row;
  } finally {
    for (const instance of running) {
      instance.child.kill('SIGKILL');
      await exited(instance.child);
    }
    disks.remove();
    await admin
      .deleteTopics({ topics: [topics.events, topics.commands, topics.outcomes, topics.changelog] })
      .catch(() => undefined);
    await admin.disconnect();
  }
}

const rows: Record<string, string>[] = [];
for (const accounts of scales) rows.push(await benchScale(accounts));
log('\nresults\n');
const columns = Object.keys(rows[0] ?? {});
log(`| ${columns.join(' | ')} |\n| ${columns.map(() => '---').join(' | ')} |\n`);
for (const row of rows) log(`| ${columns.map((c) => row[c] ?? '').join(' | ')} |\n`);
