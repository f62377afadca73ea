// The whole system as deployed: intake, projector and audit as three OS processes on the real
// broker and registry, a mixed concurrent workload through the intake's HTTP API, and a restart
// drill (SIGTERM + restart of each service in turn, then kill -9 of the intake) while it runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, registryUrl } from '@tally/testing';
import { testCallers } from './callers.js';
import { checkAcknowledged, checkAudit, checkProjector, readLedgerTruth } from './ledger-checks.js';
import { ServiceProcess } from './services.js';
import { MixedWorkload } from './workload.js';

const PARTITIONS = 3;
const ACCOUNTS = 8;
const CLIENTS = 6;

const names = {
  events: uniqueName('e2e.events'),
  commands: uniqueName('e2e.commands'),
  outcomes: uniqueName('e2e.outcomes'),
  changelog: uniqueName('e2e.changelog'),
  intakeGroup: uniqueName('e2e.intake'),
  txPrefix: uniqueName('e2e.tx'),
  projectorGroup: uniqueName('e2e.projector'),
  auditGroup: uniqueName('e2e.audit'),
};
const scratch = mkdtempSync(join(tmpdir(), 'tally-e2e-'));
// Every service trusts this issuer; the audit service signs its own tokens for the projector with it.
const callers = await testCallers(CLIENTS);
let intake: ServiceProcess;
let projector: ServiceProcess;
let audit: ServiceProcess;

beforeAll(async () => {
  await registerSchemas(new RegistryClient(registryUrl), names.events, loadSchemas());
  const [intakePort, projectorPort, auditPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
  ]);
  const common = {
    SCHEMA_REGISTRY_URL: registryUrl,
    TALLY_EVENTS_TOPIC: names.events,
    TALLY_TOPIC_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'warn',
    ...callers.issuer.env,
  };
  intake = new ServiceProcess('intake', intakePort!, {
    ...common,
    TALLY_COMMANDS_TOPIC: names.commands,
    TALLY_OUTCOMES_TOPIC: names.outcomes,
    // The run's own changelog and state stores, kept across the intake's restarts.
    TALLY_INTAKE_CHANGELOG_TOPIC: names.changelog,
    INTAKE_STATE_DIR: join(scratch, 'intake-state'),
    INTAKE_PROCESSOR_GROUP: names.intakeGroup,
    INTAKE_TRANSACTIONAL_ID_PREFIX: names.txPrefix,
    // A killed instance's partitions move after 6 s; requests answer 202 after 3 s and are retried.
    INTAKE_SESSION_TIMEOUT_MS: '6000',
    INTAKE_COMMAND_TIMEOUT_MS: '3000',
  });
  projector = new ServiceProcess('projector', projectorPort!, {
    ...common,
    PROJECTOR_SQLITE_PATH: join(scratch, 'projector.sqlite'),
    PROJECTOR_GROUP_ID: names.projectorGroup,
    PROJECTOR_SESSION_TIMEOUT_MS: '6000',
  });
  audit = new ServiceProcess('audit', auditPort!, {
    ...common,
    TALLY_OUTCOMES_TOPIC: names.outcomes,
    AUDIT_SQLITE_PATH: join(scratch, 'audit.sqlite'),
    AUDIT_GROUP_ID: names.auditGroup,
    PROJECTOR_URL: projector.url,
    ...callers.issuer.clientEnv(scratch),
  });
  // The intake creates the three topics; the consumers start once they exist.
  await intake.start();
  await Promise.all([projector.start(), audit.start()]);
});

afterAll(async () => {
  await Promise.all([intake, projector, audit].map((s) => s?.stop()));
  const admin = testKafka('e2e-cleanup').admin();
  await admin.connect();
  await admin
    .deleteTopics({ topics: [names.events, names.commands, names.outcomes, names.changelog] })
    .catch(() => undefined);
  await admin.disconnect();
  rmSync(scratch, { recursive: true, force: true });
});

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
      const truth = await readLedgerTruth(names);
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

      console.log(
        `e2e: ${all.length} commands (${accepted.length} accepted, ${refused.length} refused), ` +
          `${workload.replays.length} repeated keys, ${truth.events.length} events, ` +
          `${all.filter((d) => d.outcome.attempts > 1).length} commands needed a retry`,
      );
    },
  );
});
