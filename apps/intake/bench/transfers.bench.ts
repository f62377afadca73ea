/**
 * `pnpm bench:transfers`: transfers through one intake (debit, credit and completion: three
 * transactions, answered 201 once the transfer completed) against deposits (one transaction, what
 * `bench:intake` loads) through the same intake in the same run, as ratios:
 *   - accepted per second and the HTTP answer's p50/p99, under BENCH_CONNECTIONS connections;
 *   - end to end, during that load: BENCH_PROBES probes each send one command at a time and time
 *     it from the request to the projector (its own process, as deployed) showing its effect on
 *     both accounts (`?minVersion=` reads): a deposit's account, a transfer's source (debited and
 *     completed) and destination (credited);
 *   - CPU per command of the projector process and of this process (intake and load generator),
 *     and the load average, so that figures from a busy machine can be read.
 * Every request carries a bearer token; the per-caller rate limit is off. Env: BENCH_CONNECTIONS
 * (50), BENCH_SECONDS (10 per phase), BENCH_ACCOUNTS (100), BENCH_PROBES (4).
 */
import { loadavg } from 'node:os';
import { processCpuMs } from '@tally/kafka/testing';
import { createLogger, SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import autocannon from 'autocannon';
import { fundAccounts, startBenchIntake } from './bench-intake.js';
import { startBenchProjector } from './bench-projector.js';

const issuer = await testIssuer();
const authorization = `Bearer ${await issuer.token({
  subject: 'bench',
  scopes: [SCOPES.ledgerWrite, SCOPES.ledgerRead],
  ttlSeconds: 3600,
})}`;
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const accounts = Number(process.env['BENCH_ACCOUNTS'] ?? 100);
const probes = Number(process.env['BENCH_PROBES'] ?? 4);
const TIMEOUT_MS = 30_000;

type Request = (i: number) => { path: string; body: object };

const logger = createLogger('transfers-bench', process.env['LOG_LEVEL'] ?? 'warn');
const intake = await startBenchIntake(issuer.env, logger);
const url = intake.url;
const projector = await startBenchProjector(intake.topics.events, issuer.env);

async function call(method: string, target: string, body?: object, key?: string) {
  const res = await fetch(target, {
    method,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {
      authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Resolves once the projector shows `accountId` at `version` or later. */
async function visible(accountId: string, version: number): Promise<void> {
  for (;;) {
    const read = await call('GET', `${projector.url}/accounts/${accountId}?minVersion=${version}`);
    if (read.status === 200) return;
    // 504: the wait ended before the version arrived; asked again (the time still counts).
    if (read.status !== 504) throw new Error(`projector answered ${read.status} for ${accountId}`);
  }
}

/** Opens `<prefix>-0` … with 1,000,000.00 EUR each: accounts that only the probes touch. */
async function openProbeAccounts(prefix: string): Promise<void> {
  for (let k = 0; k < probes; k++) {
    const id = `${prefix}-${k}`;
    await call('POST', `${url}/accounts`, { accountId: id, owner: id, currency: 'EUR' }, id);
    await call(
      'POST',
      `${url}/accounts/${id}/deposits`,
      { amount: 1e8, currency: 'EUR' },
      `f-${id}`,
    );
  }
}

/**
 * One command at a time per probe until `done()`: each sample is the time from its request to
 * both of its accounts visible in the projector. Returns the samples (ms) and failures.
 */
async function probe(
  step: (k: number, n: number) => Promise<{ status: number; wait: () => Promise<void> }>,
  done: () => boolean,
): Promise<{ samples: number[]; failures: number }> {
  const samples: number[] = [];
  let failures = 0;
  await Promise.all(
    Array.from({ length: probes }, async (_, k) => {
      for (let n = 0; !done(); n++) {
        const started = performance.now();
        try {
          const { status, wait } = await step(k, n);
          if (status !== 201 && status !== 202) throw new Error(`intake answered ${status}`);
          await wait();
          samples.push(performance.now() - started);
        } catch {
          failures++;
        }
      }
    }),
  );
  return { samples, failures };
}

// A probe account's versions: opened (1), funded (2); a deposit adds one. A transfer adds two to
// its source (debited, completed) and one to its destination (credited): every probe transfer
// completes (funded source, open destination of the same currency), even one answered 202.
const depositProbe = async (k: number, n: number) => {
  const id = `probe-d-${k}`;
  const reply = await call(
    'POST',
    `${url}/accounts/${id}/deposits`,
    { amount: 100, currency: 'EUR' },
    `${id}-${n}`,
  );
  return { status: reply.status, wait: () => visible(id, Number(reply.body['version'])) };
};
const transferProbe = async (k: number, n: number) => {
  const [from, to] = [`probe-s-${k}`, `probe-t-${k}`];
  const reply = await call(
    'POST',
    `${url}/transfers`,
    { from, to, amount: 100, currency: 'EUR' },
    `${from}-${n}`,
  );
  return {
    status: reply.status,
    wait: async () => {
      await Promise.all([visible(from, 2 + 2 * (n + 1)), visible(to, 2 + (n + 1))]);
    },
  };
};

async function phase(
  title: string,
  request: Request,
  step: Parameters<typeof probe>[0],
  eventsPerCommand: number,
) {
  console.log(
    `\n== ${title}: ${connections} connections + ${probes} probes, ${seconds} s, ${accounts} accounts`,
  );
  const load1 = loadavg()[0] ?? 0;
  const cpuBefore = { projector: processCpuMs(projector.pid), self: process.cpuUsage() };
  let loading = true;
  const probing = probe(step, () => !loading);
  const result = await load(title, request).finally(() => (loading = false));
  const probed = await probing;
  // Until the projector shows every command of the phase: its CPU for all of them.
  await waitUntilProjected();
  const self = process.cpuUsage(cpuBefore.self);
  const commands = result.completed + result.other + probed.samples.length;
  return {
    ...result,
    endToEnd: percentiles(probed.samples),
    probeFailures: probed.failures,
    cpu: {
      projectorPerEvent:
        (processCpuMs(projector.pid) - cpuBefore.projector) /
        Math.max(commands * eventsPerCommand, 1),
      selfPerCommand: (self.user + self.system) / 1000 / Math.max(commands, 1),
    },
    load1: [load1, loadavg()[0] ?? 0],
  };
}

/** Waits until the projector's lag is 0 (its readiness counts it), at most TIMEOUT_MS. */
async function waitUntilProjected(): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    const text = await fetch(`${projector.url}/metrics`).then((r) => r.text());
    const lag = [...text.matchAll(/^tally_consumer_lag_records\{[^}]*\} (\d+)/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    if (lag === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99) };
}

async function load(title: string, request: Request) {
  let n = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const i = n++;
              const { path, body } = request(i);
              return {
                ...req,
                path,
                headers: {
                  'content-type': 'application/json',
                  'idempotency-key': `${title}-${i}`,
                  authorization,
                },
                body: JSON.stringify(body),
              };
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
  });
  // 201 only: a transfer answered 202 (not completed within the timeout) does not count.
  const completed = Number(
    (result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats[
      '201'
    ]?.count ?? 0,
  );
  return {
    completed,
    perSecond: completed / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    other: result.requests.total - completed,
    errors: result.errors + result.timeouts,
  };
}

function print(title: string, r: Awaited<ReturnType<typeof phase>>) {
  const e = r.endToEnd;
  console.log(
    `${title.padEnd(10)} completed ${r.completed} (${r.perSecond.toFixed(0)}/s)  answer p50 ${r.p50} ms p99 ${r.p99} ms  ` +
      `other answers ${r.other}  errors ${r.errors}\n` +
      `${''.padEnd(10)} request to visible in the projector (${e.n} probes): p50 ${e.p50.toFixed(0)} ms p99 ${e.p99.toFixed(0)} ms  probe failures ${r.probeFailures}\n` +
      `${''.padEnd(10)} CPU: projector ${r.cpu.projectorPerEvent.toFixed(3)} ms/event, intake + load generator ${r.cpu.selfPerCommand.toFixed(3)} ms/command  ` +
      `load average (1 min) ${r.load1.map((l) => l.toFixed(1)).join(' -> ')}`,
  );
}

try {
  await fundAccounts(url, authorization, accounts);
  for (const prefix of ['probe-d', 'probe-s', 'probe-t']) await openProbeAccounts(prefix);

  const deposits = await phase(
    'deposits',
    (i) => ({
      path: `/accounts/bench-${i % accounts}/deposits`,
      body: { amount: 100 + (i % 50), currency: 'EUR' },
    }),
    depositProbe,
    1,
  );
  const transfers = await phase(
    'transfers',
    (i) => ({
      path: '/transfers',
      // Each account sends to the next one: most transfers cross partitions.
      body: {
        from: `bench-${i % accounts}`,
        to: `bench-${(i + 1) % accounts}`,
        amount: 100 + (i % 50),
        currency: 'EUR',
      },
    }),
    transferProbe,
    3,
  );

  console.log(
    `\nresults (load average now ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
  print('deposits', deposits);
  print('transfers', transfers);
  console.log(
    `ratio      transfers/deposits throughput ${(transfers.perSecond / Math.max(deposits.perSecond, 1)).toFixed(3)}, ` +
      `answer p99 ${(transfers.p99 / Math.max(deposits.p99, 1)).toFixed(1)}x, ` +
      `end to end p50 ${(transfers.endToEnd.p50 / Math.max(deposits.endToEnd.p50, 1)).toFixed(1)}x ` +
      `p99 ${(transfers.endToEnd.p99 / Math.max(deposits.endToEnd.p99, 1)).toFixed(1)}x ` +
      '(a transfer is three transactions on the owners of two partitions)',
  );
} finally {
  await projector.stop();
  await intake.stop();
}
