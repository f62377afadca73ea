/**
 * `pnpm bench:intake`: the same HTTP load through the full intake path (HTTP -> commands topic ->
 * processor transaction -> events + outcome read back) with one intake and with two (one
 * processor group, the partitions split between them, the load spread over both), against a bare
 * express endpoint and the same endpoint behind the kit's token verification. Every server runs
 * in a process of its own, the intake as deployed (`node dist/main.js`: run `pnpm build` first),
 * so the CPU each spends per accepted command is its own (/proc), apart from the load generator's.
 * Every request carries a bearer token (EdDSA); the per-caller rate limit is off.
 * Env: BENCH_CONNECTIONS (100), BENCH_SECONDS (15), BENCH_ACCOUNTS (100), BENCH_INSTANCES
 * ("1,2": the intake counts to run), BENCH_BROKER_PID (the broker's CPU per command),
 * BENCH_CPU_PROFILE_DIR (write each server's --cpu-prof there), BENCH_JAVA (1; 0 skips Kafka's
 * ProducerPerformance, the broker's ceiling); BENCH_RESULT_FILE: write the figures there as JSON too.
 */
import { writeFileSync } from 'node:fs';
import { loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import {
  processCpuMs,
  producerPerformance,
  testKafka,
  testTopic,
  uniqueName,
} from '@tally/kafka/testing';
import { SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { registryUrl } from '@tally/testing';
import autocannon from 'autocannon';
import { fundAccounts } from './bench-intake.js';
import { startBareServer, startDeployedIntake, type BenchProcess } from './intake-process.js';
import { freshIntakeTopics } from './scale-preload.js';

const issuer = await testIssuer();
const authorization = `Bearer ${await issuer.token({
  subject: 'bench',
  scopes: [SCOPES.ledgerWrite],
  ttlSeconds: 3600,
})}`;
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 100);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 15);
const accounts = Number(process.env['BENCH_ACCOUNTS'] ?? 100);
const instanceCounts = (process.env['BENCH_INSTANCES'] ?? '1,2').split(',').map(Number);
/** The broker's pid, to report its CPU per accepted command (optional). */
const brokerPid = process.env['BENCH_BROKER_PID'];

interface Result {
  readonly accepted: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  /** CPU ms per accepted request of the servers under test, of the load generator, of the broker. */
  readonly serverCpuMs: number;
  readonly loadCpuMs: number;
  readonly brokerCpuMs: number;
}

async function load(title: string, servers: readonly BenchProcess[]): Promise<Result> {
  let n = 0;
  const options: autocannon.Options = {
    // Several URLs: the connections are spread over them.
    url: servers.map((s) => s.url) as unknown as string,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = n++;
          const kind = i % 3 === 0 ? 'withdrawals' : 'deposits';
          return {
            ...req,
            path: `/accounts/bench-${i % accounts}/${kind}`,
            headers: {
              'content-type': 'application/json',
              'idempotency-key': `bench-${i}`,
              authorization,
            },
            body: JSON.stringify({ amount: 100 + (i % 50), currency: 'EUR' }),
          };
        },
      },
    ],
  };
  console.log(`\n== ${title}: ${connections} connections, ${seconds} s, ${accounts} accounts`);
  const serverCpu = () => servers.reduce((sum, s) => sum + processCpuMs(s.pid), 0);
  const brokerCpu = () => (brokerPid === undefined ? NaN : processCpuMs(Number(brokerPid)));
  const selfCpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const before = { server: serverCpu(), broker: brokerCpu(), self: selfCpu() };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
    autocannon.track(instance, { renderResultsTable: false, renderLatencyTable: false });
    // The progress bar only renders on a TTY; one line per second works in CI logs too.
    let second = 0;
    let total = 0;
    (instance as unknown as NodeJS.EventEmitter).on('tick', ({ counter }: { counter: number }) => {
      total += counter;
      second += 1;
      process.stdout.write(`  ${second}/${seconds} s: ${counter} responses/s, ${total} in all\n`);
    });
  });
  const accepted = result['2xx'];
  const per = (ms: number) => ms / Math.max(accepted, 1);
  return {
    accepted,
    perSecond: accepted / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpuMs: per(serverCpu() - before.server),
    loadCpuMs: per(selfCpu() - before.self),
    brokerCpuMs: per(brokerCpu() - before.broker),
  };
}

/** One, or several, intakes on fresh topics in one processor group; loaded, then stopped. */
async function runIntakes(count: number): Promise<Result> {
  const topics = freshIntakeTopics('bench');
  await registerSchemas(new RegistryClient(registryUrl), topics.events, loadSchemas());
  const shared = {
    TALLY_EVENTS_TOPIC: topics.events,
    TALLY_COMMANDS_TOPIC: topics.commands,
    TALLY_OUTCOMES_TOPIC: topics.outcomes,
    TALLY_INTAKE_CHANGELOG_TOPIC: topics.changelog,
    INTAKE_PROCESSOR_GROUP: uniqueName('bench.processor'),
    INTAKE_TRANSACTIONAL_ID_PREFIX: uniqueName('bench.tx'),
  };
  console.log(`\nstarting ${count} intake(s) as deployed on fresh bench topics...`);
  const intakes: BenchProcess[] = [];
  try {
    // The first creates the topics; the others join its group.
    intakes.push(await startDeployedIntake('intake-1', shared, issuer.env));
    for (let k = 2; k <= count; k++) {
      intakes.push(await startDeployedIntake(`intake-${k}`, shared, issuer.env));
    }
    // A join moves partitions: every instance must be ready again (taken over) before the load.
    for (const intake of intakes) {
      while (!(await fetch(`${intake.url}/readyz`)).ok)
        await new Promise((r) => setTimeout(r, 200));
    }
    await fundAccounts(intakes[0]?.url ?? '', authorization, accounts);
    return await load(`${count} intake${count > 1 ? 's' : ''} (intake -> Kafka)`, intakes);
  } finally {
    await Promise.all(intakes.map((i) => i.stop()));
  }
}

async function runBare(auth: boolean): Promise<Result> {
  const server = await startBareServer(issuer.env, auth);
  try {
    return await load(auth ? 'bare express behind authenticate' : 'bare express', [server]);
  } finally {
    await server.stop();
  }
}

const intakeResults = new Map<number, Result>();
for (const count of instanceCounts) intakeResults.set(count, await runIntakes(count));
const bare = await runBare(false);
const withAuth = await runBare(true);

/**
 * The broker's own ceiling for the records a command writes: Kafka's ProducerPerformance (acks=all,
 * records of about an event's size) into a topic with the events topic's six partitions.
 */
async function brokerCeiling(): Promise<Awaited<ReturnType<typeof producerPerformance>>> {
  const topic = await testTopic(testKafka('bench-producer-perf'), 'bench.producer-perf', 6);
  try {
    return await producerPerformance(
      process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      topic.topic,
      500_000,
    );
  } finally {
    await topic.close();
  }
}
const ceiling = process.env['BENCH_JAVA'] === '0' ? undefined : await brokerCeiling();

const ms = (n: number) => (Number.isNaN(n) ? '    -' : n.toFixed(3));
function print(title: string, r: Result) {
  console.log(
    `${title.padEnd(10)} accepted ${r.accepted} (${r.perSecond.toFixed(0)}/s)  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}  ` +
      `cpu ms/request: server ${ms(r.serverCpuMs)}, load generator ${ms(r.loadCpuMs)}, broker ${ms(r.brokerCpuMs)}`,
  );
}

console.log(
  '\nresults (CPU per accepted request, from /proc; the broker counts other work on it too)',
);
for (const [count, r] of intakeResults) print(`intake x${count}`, r);
print('bare', bare);
print('auth', withAuth);
console.log(
  ceiling === undefined
    ? 'kafka      ProducerPerformance not run (BENCH_JAVA=0)'
    : `kafka      ProducerPerformance (acks=all, 200-byte records, 6 partitions) ${ceiling.recordsPerSecond.toFixed(0)} records/s, p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms: the broker's ceiling`,
);
for (const [count, r] of intakeResults) {
  console.log(
    `ratio      intake x${count}/bare throughput ${(r.perSecond / bare.perSecond).toFixed(3)}, ` +
      `p99 ${(r.p99 / Math.max(bare.p99, 1)).toFixed(1)}x` +
      (ceiling === undefined
        ? ''
        : `; /ProducerPerformance ${(r.perSecond / ceiling.recordsPerSecond).toFixed(4)}`),
  );
}
const one = intakeResults.get(1);
const two = intakeResults.get(2);
if (one !== undefined && two !== undefined) {
  console.log(
    `scaling    two intakes/one throughput ${(two.perSecond / one.perSecond).toFixed(3)}`,
  );
}
console.log(
  `ratio      bare+auth/bare throughput ${(withAuth.perSecond / bare.perSecond).toFixed(3)}, ` +
    `server CPU per request +${(withAuth.serverCpuMs - bare.serverCpuMs).toFixed(3)} ms (verifying the bearer token)`,
);
if (one !== undefined) {
  console.log(
    `target     one intake >= 2000 accepted/s: ${one.perSecond >= 2000 ? 'met' : 'NOT met'}; p99 <= 100 ms: ${one.p99 <= 100 ? 'met' : 'NOT met'}`,
  );
}

// For a driver that compares runs (bench/tracing.bench.ts).
const resultFile = process.env['BENCH_RESULT_FILE'];
const first = one ?? [...intakeResults.values()][0];
if (resultFile !== undefined && first !== undefined) {
  writeFileSync(
    resultFile,
    JSON.stringify({ intake: first, bare, cpuMsPerCommand: first.serverCpuMs }),
  );
}
