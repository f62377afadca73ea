/**
 * `pnpm bench:transfers`: transfers through one intake (debit, credit and completion: three
 * transactions, answered 201 once the transfer completed) against deposits (one transaction)
 * through the same intake in the same run, as a ratio. Every request carries a bearer token; the
 * per-caller rate limit is off. Env: BENCH_CONNECTIONS (50), BENCH_SECONDS (10), BENCH_ACCOUNTS
 * (100).
 */
import { createLogger, SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import autocannon from 'autocannon';
import { fundAccounts, startBenchIntake } from './bench-intake.js';

const issuer = await testIssuer();
const authorization = `Bearer ${await issuer.token({
  subject: 'bench',
  scopes: [SCOPES.ledgerWrite],
  ttlSeconds: 3600,
})}`;
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const accounts = Number(process.env['BENCH_ACCOUNTS'] ?? 100);

type Request = (i: number) => { path: string; body: object };

async function load(title: string, url: string, request: Request) {
  let n = 0;
  console.log(`\n== ${title}: ${connections} connections, ${seconds} s, ${accounts} accounts`);
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

function print(title: string, r: Awaited<ReturnType<typeof load>>) {
  console.log(
    `${title.padEnd(10)} completed ${r.completed} (${r.perSecond.toFixed(0)}/s)  p50 ${r.p50} ms  p99 ${r.p99} ms  other answers ${r.other}  errors ${r.errors}`,
  );
}

const logger = createLogger('transfers-bench', process.env['LOG_LEVEL'] ?? 'warn');
const intake = await startBenchIntake(issuer.env, logger);
const url = intake.url;
await fundAccounts(url, authorization, accounts);

const deposits = await load('deposits', url, (i) => ({
  path: `/accounts/bench-${i % accounts}/deposits`,
  body: { amount: 100 + (i % 50), currency: 'EUR' },
}));
const transfers = await load('transfers', url, (i) => ({
  path: '/transfers',
  // Each account sends to the next one: most transfers cross partitions.
  body: {
    from: `bench-${i % accounts}`,
    to: `bench-${(i + 1) % accounts}`,
    amount: 100 + (i % 50),
    currency: 'EUR',
  },
}));

console.log('\nresults');
print('deposits', deposits);
print('transfers', transfers);
console.log(
  `ratio      transfers/deposits throughput ${(transfers.perSecond / Math.max(deposits.perSecond, 1)).toFixed(3)}, ` +
    `p99 ${(transfers.p99 / Math.max(deposits.p99, 1)).toFixed(1)}x ` +
    '(a transfer is three transactions on the owners of two partitions)',
);

await intake.stop();
