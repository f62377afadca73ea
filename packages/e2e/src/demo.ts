// The seed scenario of `npm run demo`, through the running services' HTTP APIs only:
// open an account, deposit 100, withdraw 30, deposit 50 (EUR), then show what the projector
// and the audit log made of it. Every run uses a new account, so reruns never collide.
import { randomBytes } from 'node:crypto';

const intake = process.env['INTAKE_URL'] ?? 'http://127.0.0.1:3001';
const projector = process.env['PROJECTOR_URL'] ?? 'http://127.0.0.1:3002';
const audit = process.env['AUDIT_URL'] ?? 'http://127.0.0.1:3003';

const accountId = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
const eur = (minor: number) => `EUR ${(minor / 100).toFixed(2)}`;

async function call(
  method: string,
  url: string,
  body?: unknown,
  key?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { 'idempotency-key': key, 'x-actor': 'demo' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** One command; the Idempotency-Key is fresh per run and per step, so a rerun is a new command. */
async function command(
  step: string,
  label: string,
  path: string,
  body: unknown,
  headers?: Record<string, string>,
) {
  const reply = await call('POST', `${intake}${path}`, body, `${accountId}-${step}`, headers);
  console.log(
    `  ${label.padEnd(16)} 201  version ${String(reply['version'])}  balance ${eur(reply['balance'] as number)}`,
  );
  return reply['version'] as number;
}

console.log(`\nSeed scenario on account ${accountId} (POST ${intake}):`);
await command('open', 'open account', '/accounts', {
  accountId,
  owner: 'Ada Lovelace',
  currency: 'EUR',
});
const deposits = `/accounts/${accountId}/deposits`;
// The first deposit is sent as a traced client sends it: its trace id is printed at the end.
const traceId = randomBytes(16).toString('hex');
await command(
  'deposit-1',
  'deposit 100.00',
  deposits,
  { amount: 10_000, currency: 'EUR' },
  { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
);
await command('withdraw-1', 'withdraw 30.00', `/accounts/${accountId}/withdrawals`, {
  amount: 3_000,
  currency: 'EUR',
});
const version = await command('deposit-2', 'deposit 50.00', deposits, {
  amount: 5_000,
  currency: 'EUR',
});

// The projector answers once it has projected this version (read-your-writes).
const account = await call('GET', `${projector}/accounts/${accountId}?minVersion=${version}`);
console.log(`\nProjected balance (GET ${projector}/accounts/${accountId}?minVersion=${version}):`);
console.log(
  `  ${eur(account['balance'] as number)} (${String(account['balance'])} minor units), version ${String(account['version'])}, ${String(account['status'])}`,
);

// The audit log consumes on its own; wait (bounded) until it holds all four events.
const day = new Date().toISOString().slice(0, 10);
const next = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const statementUrl = `${audit}/reports/statement?account=${accountId}&from=${day}&to=${next}`;
let statement: Record<string, unknown> | undefined;
for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
  statement = await call('GET', statementUrl).catch(() => undefined);
  if ((statement?.['movements'] as unknown[] | undefined)?.length === 3) break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
if (!statement) throw new Error(`the audit log has no statement for ${accountId} after 15 s`);
console.log(`\nAudit statement (GET ${statementUrl}):`);
console.log(`  opening balance                      ${eur(statement['openingBalance'] as number)}`);
for (const m of statement['movements'] as {
  occurredAt: number;
  version: number;
  type: string;
  amount: number;
  balance: number;
}[]) {
  const when = new Date(m.occurredAt).toISOString().slice(11, 19);
  console.log(
    `  ${when}  v${m.version}  ${m.type.padEnd(15)} ${eur(m.amount).padStart(12)}  → ${eur(m.balance)}`,
  );
}
console.log(`  closing balance                      ${eur(statement['closingBalance'] as number)}`);

const verify = await call('GET', `${audit}/audit/verify`);
console.log(`\nAudit chain verification (GET ${audit}/audit/verify):`);
console.log(
  `  ok: ${String(verify['ok'])}, ${String(verify['entries'])} entries in ${(verify['chains'] as unknown[]).length} chains, ` +
    `first failure: ${JSON.stringify(verify['firstFailure'])}, ${String(verify['durationMs'])} ms`,
);
const reconciliation = await call('GET', `${audit}/reports/reconciliation`);
console.log(
  `  reconciliation with the projector: ok: ${String(reconciliation['ok'])}, ` +
    `${String(reconciliation['accounts'])} accounts, ${(reconciliation['mismatches'] as unknown[]).length} mismatches`,
);

// The services trace when started with OTEL_* variables or while the local viewer runs.
const viewer = process.env['TRACE_VIEWER_URL'];
console.log(
  `\nTrace of 'deposit 100.00' (HTTP -> command -> decision -> event -> projector, audit):`,
);
console.log(`  trace id ${traceId}`);
console.log(
  viewer
    ? `  ${viewer}/traces/${traceId}`
    : '  no trace viewer ran when the services started: pnpm trace:up, then npm run demo again',
);

console.log(`
Try:
  curl ${projector}/accounts/${accountId}
  curl ${projector}/accounts/${accountId}/history
  curl '${audit}/reports/statement?account=${accountId}&from=${day}&to=${next}&format=csv'
  open '${audit}/reports/statement?account=${accountId}&from=${day}&to=${next}&format=html'
  curl ${audit}/audit/verify
  curl ${audit}/reports/reconciliation
  curl -X POST ${intake}/accounts/${accountId}/deposits -H 'content-type: application/json' \\
       -H 'Idempotency-Key: my-first-deposit' -d '{"amount": 2500, "currency": "EUR"}'
  API descriptions: ${intake}/openapi.json  ${projector}/openapi.json  ${audit}/openapi.json
  Metrics: ${intake}/metrics  ${projector}/metrics  ${audit}/metrics
Logs in .local/demo/logs/. Stop the services with: pnpm demo:down (the stack: pnpm stack:down)`);
