import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { uniqueName, waitUntil } from '@tally/kafka/testing';
import { SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureKeyPair } from '../src/digest-key.js';
import {
  freePort,
  registryUrl,
  runCli,
  scratchDir,
  startChild,
  topics,
  workload,
  type StartedChild,
} from './support.js';

/** One sample of a Prometheus text exposition, or undefined when the series is not there. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}) {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

// The service as deployed (src/main.ts in its own process) signs digests and runs the witness
// check on its schedule, and reports both through its metrics: no request starts them.
describe('the evidence schedule of the running service', () => {
  const scratch = scratchDir();
  let t: Awaited<ReturnType<typeof topics>> | undefined;
  let service: StartedChild | undefined;

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await t?.close();
    scratch.remove();
  });

  it('signs and exports digests and runs the witness check, reporting a difference it finds', async () => {
    t = await topics(2);
    const events = workload('sched', 6, 4);
    await t.send(events);
    const keys = join(scratch.dir, 'keys');
    await ensureKeyPair(keys);
    const exportDir = join(scratch.dir, 'digests');
    const path = join(scratch.dir, 'audit.sqlite');
    const issuer = await testIssuer();
    const port = await freePort();
    service = startChild({
      ...issuer.env,
      ...issuer.clientEnv(scratch.dir),
      TALLY_EVENTS_TOPIC: t.topic,
      SCHEMA_REGISTRY_URL: registryUrl,
      AUDIT_SQLITE_PATH: path,
      AUDIT_GROUP_ID: uniqueName('audit-schedule'),
      AUDIT_INGEST_OUTCOMES: 'false',
      AUDIT_DIGEST_SIGNING_KEY_FILE: join(keys, 'digest-signing-key.pem'),
      AUDIT_DIGEST_EXPORT_DIR: exportDir,
      AUDIT_DIGEST_INTERVAL_MS: '300',
      AUDIT_WITNESS_INTERVAL_MS: '300',
      PORT: String(port),
      LOG_LEVEL: 'fatal',
    });
    const base = `http://127.0.0.1:${port}`;
    const metrics = async () =>
      (await fetch(`${base}/metrics`).catch(() => undefined))?.text() ?? '';
    const running = service;
    const withLog = (error: unknown) => {
      throw new Error(`${String(error)}\n${running.log.join('')}`);
    };

    // Every record ingested, and a scheduled run that found all of them in the log.
    await waitUntil(
      'a scheduled witness run matching every record',
      async () => {
        const m = await metrics();
        return (
          (sample(m, 'tally_audit_witness_runs_total', { result: 'ok' }) ?? 0) >= 1 &&
          sample(m, 'tally_audit_witness_records', { state: 'matched' }) === events.length
        );
      },
      60_000,
      100,
    ).catch(withLog);
    // The CLI's witness check, in its own process with the service's store and topics, agrees.
    const cliEnv = {
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: registryUrl,
      TALLY_EVENTS_TOPIC: t.topic,
      AUDIT_INGEST_OUTCOMES: 'false',
      AUDIT_SQLITE_PATH: path,
    };
    const intact = await runCli(['check-against-log'], cliEnv);
    expect(intact.code, intact.stderr).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true, matched: events.length });
    const before = await metrics();
    expect(sample(before, 'tally_audit_witness_differences')).toBe(0);
    expect(sample(before, 'tally_audit_witness_runs_total', { result: 'error' }) ?? 0).toBe(0);
    await waitUntil('a scheduled digest exported', async () => {
      const signed = sample(await metrics(), 'tally_audit_digests_signed_total') ?? 0;
      return signed >= 1 && readdirSync(exportDir).some((f) => f.startsWith('digest-'));
    }).catch(withLog);

    // An administrator changes one entry's raw bytes behind the triggers: the next scheduled run
    // reports the difference in the metrics, and its report names the entry.
    const attacker = new Database(path);
    const target = attacker
      .prepare<[], { chain: string; seq: number }>(
        `SELECT chain, seq FROM audit_entries WHERE kind = 'event' ORDER BY id LIMIT 1`,
      )
      .get()!;
    attacker.exec('DROP TRIGGER audit_entries_no_update');
    attacker
      .prepare('UPDATE audit_entries SET raw = ? WHERE chain = ? AND seq = ?')
      .run(Buffer.from('forged').toString('base64'), target.chain, target.seq);
    attacker.close();
    await waitUntil(
      'a scheduled witness run reporting the difference',
      async () => {
        const m = await metrics();
        return (
          (sample(m, 'tally_audit_witness_runs_total', { result: 'difference' }) ?? 0) >= 1 &&
          (sample(m, 'tally_audit_witness_differences') ?? 0) >= 1
        );
      },
      30_000,
      100,
    ).catch(withLog);
    const admin = await issuer.token({ scopes: [SCOPES.auditAdmin] });
    const latest = (await (
      await fetch(`${base}/audit/witness/latest`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as { ok: boolean; firstDifference: { kind: string; seq: number } | null };
    expect(latest.ok).toBe(false);
    expect(latest.firstDifference).toMatchObject({ kind: 'altered', seq: target.seq });
    const forged = await runCli(['check-against-log'], cliEnv);
    expect(forged.code, forged.stderr).toBe(1);
    expect(forged.stderr).toMatch(new RegExp(`FAILED: .*altered \\(entry ${target.seq}\\b`));

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });
});
