/**
 * `pnpm bench:intake`: the same HTTP load through the full intake path (HTTP -> commands topic ->
 * processor transaction -> events + outcome read back), against a bare express endpoint, and
 * against the bare endpoint behind the kit's token verification (the cost of authentication).
 * Every request carries a bearer token (EdDSA); the per-caller rate limit is off.
 * Env: BENCH_CONNECTIONS (100), BENCH_SECONDS (15), BENCH_ACCOUNTS (100); BENCH_RESULT_FILE: write
 * the figures there as JSON too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { authenticate, createLogger, SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import autocannon from 'autocannon';
import express, { type Express } from 'express';
import { fundAccounts, startBenchIntake } from './bench-intake.js';

const issuer = await testIssuer();
const authorization = `Bearer ${await issuer.token({
  subject: 'bench',
  scopes: [SCOPES.ledgerWrite],
  ttlSeconds: 3600,
})}`;
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 100);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 15);
const accounts = Number(process.env['BENCH_ACCOUNTS'] ?? 100);
/** The broker's pid, to report its CPU per accepted command (optional). */
const brokerPid = process.env['BENCH_BROKER_PID'];

/** CPU ms the broker process used so far (user + system, from /proc), or 0 without a pid. */
function brokerCpuMs(): number {
  if (brokerPid === undefined) return 0;
  const fields = readFileSync(`/proc/${brokerPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function listen(app: Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

async function load(title: string, url: string) {
  let n = 0;
  const options: autocannon.Options = {
    url,
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
  // CPU of this process (server and load generator) per accepted request: steadier than
  // throughput when other work shares the machine.
  const cpuBefore = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpuBefore);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(accepted, 1),
    accepted,
    perSecond: accepted / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function print(title: string, r: Awaited<ReturnType<typeof load>>) {
  console.log(
    `${title.padEnd(8)} accepted ${r.accepted} (${r.perSecond.toFixed(0)}/s)  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}  cpu ${r.cpuMs.toFixed(3)} ms/request`,
  );
}

const logger = createLogger('intake-bench', process.env['LOG_LEVEL'] ?? 'warn');
const intake = await startBenchIntake(issuer.env, logger);
await fundAccounts(intake.url, authorization, accounts);

const brokerBefore = brokerCpuMs();
const full = await load('full path (intake -> Kafka)', intake.url);
const brokerMs = brokerCpuMs() - brokerBefore;

function bareApp(verify: boolean): Express {
  const bare = express();
  bare.use(express.json({ limit: '64kb' }));
  if (verify) bare.use(authenticate(verifier));
  bare.post('/accounts/:id/:kind', (req, res) => {
    res.status(201).json({ accountId: req.params.id, version: 1, balance: 0, body: req.body });
  });
  return bare;
}
const verifier = await issuer.verifier();
const bareServer = await listen(bareApp(false));
const baseline = await load('bare express', bareServer.url);
const authServer = await listen(bareApp(true));
const withAuth = await load('bare express behind authenticate', authServer.url);

console.log('\nresults');
print('intake', full);
print('bare', baseline);
print('auth', withAuth);
console.log(
  `ratio    intake/bare throughput ${(full.perSecond / baseline.perSecond).toFixed(3)}, ` +
    `p99 ${(full.p99 / Math.max(baseline.p99, 1)).toFixed(1)}x`,
);
console.log(
  `ratio    bare+auth/bare throughput ${(withAuth.perSecond / baseline.perSecond).toFixed(3)}, ` +
    `CPU per request ${(withAuth.cpuMs / baseline.cpuMs).toFixed(3)} ` +
    `(+${(withAuth.cpuMs - baseline.cpuMs).toFixed(3)} ms: verifying the bearer token)`,
);
console.log(
  `cpu      ${full.cpuMs.toFixed(3)} ms of this process per accepted command (intake + autocannon)`,
);
if (brokerPid !== undefined) {
  console.log(
    `broker   ${(brokerMs / Math.max(full.accepted, 1)).toFixed(3)} ms of broker CPU per accepted command (BENCH_BROKER_PID ${brokerPid}; other work on the broker counts too)`,
  );
}
console.log(
  `target   >= 1000 accepted/s: ${full.perSecond >= 1000 ? 'met' : 'NOT met'}; p99 <= 100 ms: ${full.p99 <= 100 ? 'met' : 'NOT met'}`,
);

// For a driver that compares runs (bench/tracing.bench.ts).
const resultFile = process.env['BENCH_RESULT_FILE'];
if (resultFile !== undefined) {
  writeFileSync(
    resultFile,
    JSON.stringify({ intake: full, bare: baseline, cpuMsPerCommand: full.cpuMs }),
  );
}

await new Promise((r) => bareServer.server.close(r));
await new Promise((r) => authServer.server.close(r));
await intake.stop();
