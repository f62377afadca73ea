// The seed scenario of `npm run demo`, through the running services' HTTP APIs only:
// open an account, deposit 100, withdraw 30, deposit 50 (EUR), then show what the projector
// and the audit log made of it. Every run uses a new account, so reruns never collide. Every call
// carries a bearer token signed with the local stack's key (.local/auth), as `pnpm run token`
// mints them; the services were started trusting that key (infra/local/services.sh).
import { randomBytes } from 'node:crypto';
import { SCOPES } from '@tally/service';
import { localTokenMinter } from './local-tokens.js';

const local = (port: string | undefined, fallback: number) =>
  `http://127.0.0.1:${port ?? String(fallback)}`;
const intake = process.env['INTAKE_URL'] ?? local(process.env['INTAKE_PORT'], 3001);
const projector = process.env['PROJECTOR_URL'] ?? local(process.env['PROJECTOR_PORT'], 3002);
const audit = process.env['AUDIT_URL'] ?? local(process.env['AUDIT_PORT'], 3003);

const accountId = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
const savingsId = `${accountId}-savings`;
// The audit's JSON carries money as decimal strings of minor units (exact past 2^53).
const eur = (minor: number | string) => `EUR ${(Number(minor) / 100).toFixed(2)}`;

// Two callers: the customer's app, limited to the new account and its savings account, and an
// auditor over all accounts.
const TTL_SECONDS = 15 * 60;
const mint = await localTokenMinter('tally-demo', TTL_SECONDS);
const caller = async (
  subject: string,
  scopes: readonly string[],
  accounts?: readonly string[],
) => ({
  subject,
  scopes,
  accounts,
  token: await mint(subject, scopes, accounts),
});
const customer = await caller(
  'ada',
  [SCOPES.ledgerRead, SCOPES.ledgerWrite],
  [accountId, savingsId],
);
const auditor = await caller('auditor', [SCOPES.auditRead, SCOPES.auditAdmin]);

async function call(
  method: string,
  url: string,
  token: string,
  options: {
    body?: unknown;
    key?: string;
    expect?: number;
    headers?: Record<string, string>;
  } = {},
) {
  const { body, key } = options;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
      ...options.headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (options.expect === undefined ? !res.ok : res.status !== options.expect) {
    throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  }
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
  const reply = await call('POST', `${intake}${path}`, customer.token, {
    body,
    key: `${accountId}-${step}`,
    ...(headers === undefined ? {} : { headers }),
  });
  console.log(
    `  ${label.padEnd(16)} 201  version ${String(reply['version'])}  balance ${eur(reply['balance'] as number)}`,
  );
  return reply['version'] as number;
}

console.log(`\nSeed scenario on account ${accountId} (POST ${intake}):`);
console.log(
  `  as ${customer.subject} via tally-demo: ${customer.scopes.join(' ')}, limited to ${String(customer.accounts)}`,
);
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
const account = await call(
  'GET',
  `${projector}/accounts/${accountId}?minVersion=${version}`,
  customer.token,
);
console.log(`\nProjected balance (GET ${projector}/accounts/${accountId}?minVersion=${version}):`);
console.log(
  `  ${eur(account['balance'] as number)} (${String(account['balance'])} minor units), version ${String(account['version'])}, ${String(account['status'])}`,
);

// The audit log consumes on its own; wait (bounded) until it holds all four events.
const day = new Date().toISOString().slice(0, 10);
const next = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const statementPath = `/reports/statement?account=${accountId}&from=${day}&to=${next}`;
let statement: Record<string, unknown> | undefined;
for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
  statement = await call('GET', `${audit}${statementPath}`, auditor.token).catch(() => undefined);
  if ((statement?.['movements'] as unknown[] | undefined)?.length === 3) break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
if (!statement) throw new Error(`the audit log has no statement for ${accountId} after 15 s`);
console.log(`\nAudit statement (GET ${audit}${statementPath}):`);
console.log(`  opening balance                      ${eur(statement['openingBalance'] as string)}`);
const movements = statement['movements'] as {
  occurredAt: number;
  version: number;
  type: string;
  amount: string;
  balance: string;
  entryRef?: { chain: string; seq: number };
}[];
for (const m of movements) {
  const when = new Date(m.occurredAt).toISOString().slice(11, 19);
  console.log(
    `  ${when}  v${m.version}  ${m.type.padEnd(15)} ${eur(m.amount).padStart(12)}  → ${eur(m.balance)}`,
  );
}
console.log(`  closing balance                      ${eur(statement['closingBalance'] as string)}`);
const entries = await call('GET', `${audit}/audit/accounts/${accountId}/entries`, auditor.token);
const actors = new Set(
  (entries['items'] as { payload: { actor?: string } | null }[]).map((e) => e.payload?.actor),
);
console.log(`  actor recorded in its audit entries: ${[...actors].join(', ')}`);

const verify = await call('GET', `${audit}/audit/verify`, auditor.token);
console.log(`\nAudit chain verification (GET ${audit}/audit/verify):`);
console.log(
  `  ok: ${String(verify['ok'])}, ${String(verify['entries'])} entries in ${(verify['chains'] as unknown[]).length} chains, ` +
    `first failure: ${JSON.stringify(verify['firstFailure'])}, ${String(verify['durationMs'])} ms`,
);
const reconciliation = await call('GET', `${audit}/reports/reconciliation`, auditor.token);
console.log(
  `  reconciliation with the projector (the audit service's own token, svc-audit): ok: ${String(reconciliation['ok'])}, ` +
    `${String(reconciliation['accounts'])} accounts, ${(reconciliation['problems'] as unknown[]).length} that differ or are missing`,
);

// Evidence: a signed digest now (the service also signs on a schedule), the inclusion proof of
// the statement's last line against it, and the log checked against the Kafka topics (audit:admin).
const digest = await call('POST', `${audit}/audit/digests`, auditor.token).catch(() => undefined);
const line = movements.at(-1)?.entryRef;
if (digest && line) {
  const proofUrl = `${audit}/audit/entries/${encodeURIComponent(line.chain)}/${line.seq}/proof`;
  const proven = await call('GET', proofUrl, auditor.token);
  const proof = proven['proof'] as { leafIndex: number; treeSize: number; path: unknown[] };
  console.log(
    `  signed digest ${String(digest['sequence'])} (Ed25519 key ${String(digest['keyId'])}): ` +
      `${String(digest['entries'])} entries, Merkle root ${String((digest['merkle'] as { root: string }).root).slice(0, 16)}…`,
  );
  console.log(
    `  inclusion proof of the last line (${line.chain}#${line.seq}): leaf ${proof.leafIndex} of ${proof.treeSize}, ${proof.path.length} hashes`,
  );
}
const witness = await call('POST', `${audit}/audit/check-against-log`, auditor.token);
console.log(
  `  checked against the Kafka topics: ok: ${String(witness['ok'])}, ${String(witness['matched'])} records in the log once, unchanged, in order`,
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

// What the customer's token may not do: another account, a report over all accounts, no token.
const refused = async (label: string, url: string, token: string | undefined, status: number) => {
  const res = await fetch(
    url,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  const problem = (await res.json()) as Record<string, unknown>;
  if (res.status !== status) throw new Error(`${url} answered ${res.status}, not ${status}`);
  console.log(`  ${label.padEnd(34)} ${res.status} ${String(problem['code'])}`);
};
console.log(`\nRefusals:`);
await refused(
  'another account, customer token',
  `${projector}/accounts/demo-elsewhere`,
  customer.token,
  403,
);
await refused('all accounts, customer token', `${projector}/accounts`, customer.token, 403);
await refused('statement without a token', `${audit}${statementPath}`, undefined, 401);

// Money between accounts (ADR 0007): a transfer to a second account, and a hold captured in part.
console.log(`\nA transfer and a hold (POST ${intake}/transfers, /accounts/${accountId}/holds):`);
await call('POST', `${intake}/accounts`, customer.token, {
  body: { accountId: savingsId, owner: 'Ada Lovelace', currency: 'EUR' },
  key: `${savingsId}-open`,
  expect: 201,
});
const transfer = await call('POST', `${intake}/transfers`, customer.token, {
  body: { from: accountId, to: savingsId, amount: 2_000, currency: 'EUR' },
  key: `${accountId}-transfer-1`,
  expect: 201,
});
console.log(
  `  transfer ${eur(2_000)} to ${savingsId}: 201 ${String(transfer['state'])} (transfer ${String(transfer['transferId'])})`,
);
const hold = await call('POST', `${intake}/accounts/${accountId}/holds`, customer.token, {
  body: {
    amount: 1_000,
    currency: 'EUR',
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  },
  key: `${accountId}-hold-1`,
  expect: 201,
});
console.log(
  `  hold ${eur(1_000)} for an hour: 201 ${String(hold['state'])}, held ${eur(hold['held'] as number)}, available ${eur(hold['available'] as number)}`,
);
const capture = await call(
  'POST',
  `${intake}/accounts/${accountId}/holds/${String(hold['holdId'])}/capture`,
  customer.token,
  { body: { amount: 400, currency: 'EUR' }, key: `${accountId}-capture-1`, expect: 201 },
);
const captured = await call(
  'GET',
  `${intake}/accounts/${accountId}/holds/${String(hold['holdId'])}`,
  customer.token,
);
console.log(
  `  capture ${eur(400)} of it: 201 ${String(captured['state'])}, released ${eur(captured['releasedAmount'] as number)}, balance ${eur(capture['balance'] as number)}`,
);
for (const id of [accountId, savingsId]) {
  const projected = await call(
    'GET',
    `${projector}/accounts/${id}?minVersion=${id === accountId ? String(capture['version']) : '2'}`,
    customer.token,
  );
  console.log(
    `  projected ${id}: balance ${eur(projected['balance'] as number)}, available ${eur(projected['available'] as number)}, held ${eur(projected['held'] as number)}, in flight ${eur(projected['inFlight'] as number)}`,
  );
}

const tokenCommand = (who: typeof customer) =>
  `pnpm --silent run token --scope ${who.scopes.join(',')}${who.accounts === undefined ? '' : ` --account ${who.accounts.join(',')}`} --sub ${who.subject} --client tally-demo`;
const auth = (variable: string) => `-H "Authorization: Bearer $${variable}"`;
console.log(`
Tokens for the lines below, valid for ${TTL_SECONDS / 60} minutes (signed with the key in .local/auth):
  export TOKEN=${customer.token}
  export AUDIT_TOKEN=${auditor.token}
New ones (from the repository root):
  export TOKEN=$(${tokenCommand(customer)})
  export AUDIT_TOKEN=$(${tokenCommand(auditor)})
Try:
  curl ${auth('TOKEN')} ${projector}/accounts/${accountId}
  curl ${auth('TOKEN')} ${projector}/accounts/${accountId}/history
  curl -X POST ${intake}/accounts/${accountId}/deposits ${auth('TOKEN')} -H 'content-type: application/json' \\
       -H 'Idempotency-Key: my-first-deposit' -d '{"amount": 2500, "currency": "EUR"}'
  curl ${auth('AUDIT_TOKEN')} '${audit}${statementPath}&format=csv'
  curl ${auth('AUDIT_TOKEN')} ${audit}/audit/verify
  curl ${auth('AUDIT_TOKEN')} ${audit}/reports/reconciliation
  curl ${auth('AUDIT_TOKEN')} ${audit}/reports/conservation
  curl ${auth('AUDIT_TOKEN')} ${audit}/audit/digests/latest   (exported to .local/demo/digests; verify offline with
       node .local/demo/deploy/audit/dist/cli.js verify-digest --public-key .local/audit/digest-public-key.pem --digest <file>)
  API descriptions (no token): ${intake}/openapi.json  ${projector}/openapi.json  ${audit}/openapi.json
  Metrics: ${intake}/metrics  ${projector}/metrics  ${audit}/metrics
Logs in .local/demo/logs/. Stop the services with: pnpm demo:down (the stack: pnpm stack:down)`);
