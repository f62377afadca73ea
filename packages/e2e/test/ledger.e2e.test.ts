// The whole system as deployed: intake, projector and audit as three OS processes on the real
// broker and registry, a mixed concurrent workload through the intake's HTTP API, and a restart
// drill (SIGTERM + restart of each service in turn, then kill -9 of the intake) while it runs.
import { SCOPES } from '@tally/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCallers } from './callers.js';
import { checkAcknowledged, checkAudit, checkProjector, readLedgerTruth } from './ledger-checks.js';
import { startServiceSystem, type ServiceProcess, type ServiceSystem } from './services.js';
import { MixedWorkload } from './workload.js';

const PARTITIONS = 3;
const ACCOUNTS = 8;
const CLIENTS = 6;

// Every service trusts this issuer; the audit service signs its own tokens for the projector with it.
const callers = await testCallers(CLIENTS);
let system: ServiceSystem;
let intake: ServiceProcess;
let projector: ServiceProcess;
let audit: ServiceProcess;

beforeAll(async () => {
  system = await startServiceSystem('e2e', {
    partitions: PARTITIONS,
    issuer: callers.issuer,
    env: {
      all: { LOG_LEVEL: 'warn' },
      // A killed instance's partitions move after 6 s; requests answer 202 after 3 s and are retried.
      intake: { INTAKE_SESSION_TIMEOUT_MS: '6000', INTAKE_COMMAND_TIMEOUT_MS: '3000' },
      projector: { PROJECTOR_SESSION_TIMEOUT_MS: '6000' },
    },
  });
  ({ intake, projector, audit } = system);
});

afterAll(() => system?.stop());

describe('the three services as separate processes', () => {
  it(
    'keep every guarantee through SIGTERM restarts of each service and a kill -9 of the intake',
    {
      timeout: 180_000,
    },
    async () => {
      const workload = new MixedWorkload({
        intakeUrl: () => intake.url,
        accounts: ACCOUNTS,
        teller: callers.teller,
        clients: callers.clients,
      });
      await workload.start();

      // The restart drill, while the clients keep sending.
      await workload.progress('the workload to warm up', 40);
      for (const service of [intake, projector, audit]) {
        const code = await service.stop();
        expect(code, `${service.name} exit code after SIGTERM\n${service.output()}`).toBe(0);
        await service.start();
        await workload.progress(`commands after restarting ${service.name}`, 30);
      }
      await intake.kill();
      await intake.start();
      await workload.progress('commands after the intake was killed', 30);
      await workload.stop();
      expect(workload.errors).toEqual([]);

      const all = [...workload.decided.values()];
      const accepted = all.filter((d) => d.outcome.status === 201);
      const refused = all.filter((d) => d.outcome.status === 409);
      expect(accepted.length + refused.length).toBe(all.length);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused.map((d) => d.outcome.body['code']))).toEqual(
        new Set(['INSUFFICIENT_FUNDS']),
      );
      expect(workload.replays.length).toBeGreaterThan(0);

      // The events topic, read_committed: the truth everything else is compared with.
      const truth = await readLedgerTruth(system.names);
      expect(truth.violations).toEqual([]);
      expect([...truth.folded.keys()].sort()).toEqual([...workload.accounts()].sort());
      expect(
        checkAcknowledged(truth, all, workload.replays, [callers.teller, ...callers.clients]),
      ).toEqual([]);
      expect(await checkProjector(projector.url, callers.reader, truth)).toEqual([]);
      // Reconciliation is made with the audit service's own token towards the projector.
      expect(await checkAudit(audit.url, callers.reader, truth, 30_000)).toEqual([]);
      // The audit entries carry the same actors as the events and outcomes they record.
      const entries = (await (
        await fetch(`${audit.url}/audit/accounts/acc-0/entries?limit=1000`, {
          headers: callers.reader,
        })
      ).json()) as { items: { payload: { actor: string } }[] };
      expect(entries.items.length).toBeGreaterThan(1);
      const subjects = new Set([callers.teller, ...callers.clients].map((c) => c.subject));
      for (const entry of entries.items) expect(subjects).toContain(entry.payload.actor);
      // Kafka as witness: after the restarts and the kill -9, every record of both topics is in
      // the log once, unchanged, in order (audit:admin); and money is conserved per currency.
      const auditor = await callers.issuer.token({
        subject: 'auditor',
        scopes: [SCOPES.auditAdmin],
        ttlSeconds: 3600,
      });
      const witness = (await (
        await fetch(`${audit.url}/audit/check-against-log`, {
          method: 'POST',
          headers: { authorization: `Bearer ${auditor}` },
        })
      ).json()) as unknown;
      expect(witness).toMatchObject({
        ok: true,
        matched: truth.events.length + truth.outcomes.length,
        notYetIngested: 0,
      });
      const conservation = (await (
        await fetch(`${audit.url}/reports/conservation`, { headers: callers.reader })
      ).json()) as unknown;
      expect(conservation).toMatchObject({ ok: true, accounts: ACCOUNTS, firstViolation: null });

      console.log(
        `e2e: ${all.length} commands (${accepted.length} accepted, ${refused.length} refused), ` +
          `${workload.replays.length} repeated keys, ${truth.events.length} events, ` +
          `${all.filter((d) => d.outcome.attempts > 1).length} commands needed a retry`,
      );
    },
  );
});
