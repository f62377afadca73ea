/**
 * `pnpm bench:latency`: command-to-read latency through the running services (`pnpm demo` or
 * `pnpm demo:deploy` started them), open loop: commands leave at a fixed rate whether or not earlier
 * ones answered, and every latency counts from the moment its command was due, so a stall shows as
 * the latency of every command it delayed (no coordinated omission). For each deposit:
 *   - intake: from due to the intake's 201 (the command applied, its event written);
 *   - projector: from due to the projector answering `?minVersion=<the new version>`;
 *   - audit: from due to the audit log holding the event (one command in LATENCY_AUDIT_EVERY,
 *     polled every 20 ms: the audit API has no wait of its own).
 * Percentiles from HdrHistogram (hdr-histogram-js); beside them Kafka's own EndToEndLatency on the
 * same broker (produce acks=all, then consume, one record at a time): the floor of any pipeline on
 * it. Then the CPU each process spent per command (/proc), the load generator's included.
 * Env: LATENCY_RATE (500/s), LATENCY_SECONDS (30), LATENCY_WARMUP_SECONDS (5), LATENCY_ACCOUNTS
 * (1,000), LATENCY_AUDIT_EVERY (20), INTAKE_URL / PROJECTOR_URL / AUDIT_URL (or *_PORT).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endToEndLatency, processCpuMs } from '@tally/kafka/testing';
import { localStateDir, SCOPES } from '@tally/service';
import * as hdr from 'hdr-histogram-js';
import { localTokenMinter } from '../src/local-tokens.js';

const RATE = Number(process.env['LATENCY_RATE'] ?? 500);
const SECONDS = Number(process.env['LATENCY_SECONDS'] ?? 30);
const WARMUP = Number(process.env['LATENCY_WARMUP_SECONDS'] ?? 5);
const ACCOUNTS = Number(process.env['LATENCY_ACCOUNTS'] ?? 1_000);
const AUDIT_EVERY = Number(process.env['LATENCY_AUDIT_EVERY'] ?? 20);
const TIMEOUT_MS = 10_000;

const local = (port: string | undefined, fallback: number) =>
  `http://127.0.0.1:${port ?? String(fallback)}`;
const intake = process.env['INTAKE_URL'] ?? local(process.env['INTAKE_PORT'], 3001);
const projector = process.env['PROJECTOR_URL'] ?? local(process.env['PROJECTOR_PORT'], 3002);
const audit = process.env['AUDIT_URL'] ?? local(process.env['AUDIT_PORT'], 3003);
const brokers = process.env['KAFKA_BROKERS'] ?? `127.0.0.1:${process.env['KAFKA_PORT'] ?? 9092}`;
const stateDir = localStateDir();
const log = (line: string) => process.stderr.write(line);

const run = Date.now().toString(36);
const accountId = (i: number) => `lat-${run}-${i % ACCOUNTS}`;

// One caller per account, as each customer's app would be: the intake limits commands per caller
// (RATE_LIMIT_COMMANDS a minute), not per service.
const mint = await localTokenMinter('tally-bench', 3600);
const tokens = await Promise.all(
  Array.from({ length: ACCOUNTS }, (_, i) =>
    mint(
      `latency-bench-${i}`,
      [SCOPES.ledgerRead, SCOPES.ledgerWrite, SCOPES.auditRead],
      [accountId(i)],
    ),
  ),
);

async function call(i: number, method: string, url: string, body?: unknown, key?: string) {
  const res = await fetch(url, {
    method,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {
      authorization: `Bearer ${tokens[i % ACCOUNTS]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const histogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
/** Microseconds, so that sub-millisecond answers keep their precision. */
const toIntake = histogram();
const toProjector = histogram();
const toAudit = histogram();
let failures = 0;
const failureKinds = new Map<string, number>();
const fail = (what: string) => {
  failures++;
  failureKinds.set(what, (failureKinds.get(what) ?? 0) + 1);
};

/** Opens the accounts the run deposits into (not measured), 50 at a time. */
async function openAccounts(): Promise<void> {
  for (let from = 0; from < ACCOUNTS; from += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, ACCOUNTS - from) }, async (_, k) => {
        const id = accountId(from + k);
        const reply = await call(
          from + k,
          'POST',
          `${intake}/accounts`,
          { accountId: id, owner: 'Latency Bench', currency: 'EUR' },
          `${id}-open`,
        );
        if (reply.status !== 201)
          throw new Error(`opening ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
      }),
    );
    log(`\ropened ${Math.min(from + 50, ACCOUNTS)}/${ACCOUNTS} accounts   `);
  }
  log('\n');
}

/** Waits until the audit log holds the account's entry of `version`; resolves when it does. */
async function auditHolds(i: number, version: number): Promise<boolean> {
  const id = accountId(i);
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    const page = await call(i, 'GET', `${audit}/audit/accounts/${id}/entries?limit=1000`);
    const items = (page.body['items'] ?? []) as { payload?: { version?: number } | null }[];
    if (items.some((item) => item.payload?.version === version)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/** One deposit due at `due` (performance.now() ms); records its latencies when `record`. */
async function deposit(i: number, due: number, record: boolean): Promise<void> {
  const id = accountId(i);
  const us = () => Math.max(1, Math.round((performance.now() - due) * 1000));
  try {
    const reply = await call(
      i,
      'POST',
      `${intake}/accounts/${id}/deposits`,
      { amount: 100 + (i % 50), currency: 'EUR' },
      `${id}-${i}`,
    );
    if (reply.status !== 201) return fail(`intake ${reply.status}`);
    if (record) toIntake.recordValue(us());
    const version = Number(reply.body['version']);
    const sampled = i % AUDIT_EVERY === 0;
    // Caught now: it may fail before it is awaited.
    const auditDone = sampled ? auditHolds(i, version).catch(() => false) : Promise.resolve(true);
    for (;;) {
      // 504: the projector's wait ended before the version arrived; ask again (still counted).
      const read = await call(i, 'GET', `${projector}/accounts/${id}?minVersion=${version}`);
      if (read.status === 200) break;
      if (read.status !== 504) return fail(`projector ${read.status}`);
    }
    if (record) toProjector.recordValue(us());
    if (!(await auditDone)) return fail('audit timeout');
    if (record && sampled) toAudit.recordValue(us());
  } catch (error) {
    fail(error instanceof Error ? error.name : 'error');
  }
}

const pidOf = (name: string, file: string): [string, number] | undefined => {
  try {
    return [name, Number(readFileSync(file, 'utf8').trim())];
  } catch {
    return undefined;
  }
};
const processes = [
  pidOf('intake', join(stateDir, 'demo', 'intake.pid')),
  pidOf('projector', join(stateDir, 'demo', 'projector.pid')),
  pidOf('audit', join(stateDir, 'demo', 'audit.pid')),
  pidOf('kafka broker', join(stateDir, 'kafka', 'kafka.pid')),
  ['load generator (this)', process.pid] as [string, number],
].filter((p): p is [string, number] => p !== undefined);
const cpuNow = () =>
  processes.map(([, pid]) => (pid === process.pid ? cpuOfSelf() : processCpuMs(pid)));
const cpuOfSelf = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

await openAccounts();
log(
  `open loop: ${RATE} deposits/s for ${WARMUP} s warm-up + ${SECONDS} s over ${ACCOUNTS} accounts\n`,
);
const total = RATE * (WARMUP + SECONDS);
const warmupCount = RATE * WARMUP;
const intervalMs = 1000 / RATE;
const inFlight = new Set<Promise<void>>();
const start = performance.now();
let sent = 0;
let cpuBefore: number[] = [];
let measuredFrom = 0;
while (sent < total) {
  const now = performance.now();
  // Every command whose time has come leaves now, however late: a stall delays, never drops.
  while (sent < total && start + sent * intervalMs <= now) {
    if (sent === warmupCount) {
      cpuBefore = cpuNow();
      measuredFrom = now;
    }
    const p = deposit(sent, start + sent * intervalMs, sent >= warmupCount);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    sent++;
  }
  if (sent % RATE === 0) log(`\rsent ${sent}/${total}, in flight ${inFlight.size}   `);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await Promise.all(inFlight);
const measuredMs = performance.now() - measuredFrom;
const cpuAfter = cpuNow();
log('\n');

log('Kafka EndToEndLatency (2,000 records, acks=all) on the same broker...\n');
const kafka = await endToEndLatency(brokers, `bench.e2e-latency.${run}`, 2_000).catch(
  (error: unknown) => {
    log(`  EndToEndLatency failed: ${String(error)}\n`);
    return undefined;
  },
);

const measured = RATE * SECONDS;
const ms = (h: hdr.Histogram, p: number) =>
  (h.getValueAtPercentile(p) / 1000).toFixed(1).padStart(8);
const row = (name: string, h: hdr.Histogram) =>
  `${name.padEnd(24)}${String(h.totalCount).padStart(7)}${ms(h, 50)}${ms(h, 90)}${ms(h, 99)}${ms(h, 99.9)}${(h.maxValue / 1000).toFixed(1).padStart(9)}`;
const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);
console.log(`
open loop ${RATE} deposits/s, ${SECONDS} s measured after ${WARMUP} s warm-up, ${ACCOUNTS} accounts; ${measured} measured, ${failures} failed${failures ? ` (${[...failureKinds].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}
latency in ms, from the moment each command was due (shared, noisy machine: compare within a run)
                          count     p50     p90     p99   p99.9      max
${row('intake 201', toIntake)}
${row('projector ?minVersion', toProjector)}  (target p99 ≤ 50 ms at 500/s)
${row(`audit holds (1 in ${AUDIT_EVERY})`, toAudit)}
${kafka ? `Kafka EndToEndLatency       2000${fmt(kafka.p50, 1)}       -${fmt(kafka.p99, 1)}${fmt(kafka.p999, 1)}        -  (avg ${kafka.avg.toFixed(1)}; one record at a time, acks=all)` : 'Kafka EndToEndLatency: not measured'}

CPU per command over the measured ${(measuredMs / 1000).toFixed(1)} s (/proc; µs of CPU per deposit, % of one core)
${processes
  .map(([name], k) => {
    const used = (cpuAfter[k] ?? NaN) - (cpuBefore[k] ?? NaN);
    return `  ${name.padEnd(24)}${fmt((used * 1000) / measured)} µs  ${fmt((used / measuredMs) * 100)} %`;
  })
  .join('\n')}`);
process.exit(0);
