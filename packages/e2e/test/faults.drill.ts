// The fault drill (`pnpm test:faults`, see infra/local/fault-drill.sh): the three services as OS
// processes from their built output (two intake instances; projector and audit on PostgreSQL)
// against the three-broker cluster, a steady mixed workload, and one fault at a time, each healed
// before the next. After each fault: every service ready again within a bound (the drill restarts
// a process that exited, as an orchestrator would, and records it), and every guarantee checked
// against the events topic. Per fault it records what the clients and probes were answered.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { describeTopicConfigs } from '@tally/kafka';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import { freePort, registryUrl, scratchDatabase, type ScratchDatabase } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, PROFILES, stackFault, type Fault, type FaultServices } from './faults/catalog.js';
import { AnswerLog, Prober, Supervisor, type Tally } from './faults/observe.js';
import { stepResult, writeReport, type FaultResult } from './faults/report.js';
import {
  checkAcknowledged,
  checkAudit,
  checkProjector,
  readLedgerTruth,
  type LedgerTruth,
} from './ledger-checks.js';
import { testCallers } from './callers.js';
import { ServiceProcess } from './services.js';
import { MixedWorkload } from './workload.js';

const profileName = process.env['FAULTS_PROFILE'] ?? 'full';
const profile = PROFILES[profileName];
if (profile === undefined) {
  throw new Error(`FAULTS_PROFILE ${profileName}: one of ${Object.keys(PROFILES).join(', ')}`);
}
const onlyList = (process.env['FAULTS_ONLY'] ?? '').split(',').filter(Boolean);
const only = onlyList.length > 0 ? onlyList : undefined;
const unknown = (only ?? []).filter((name) => !FAULTS.some((f) => f.name === name));
if (unknown.length > 0) {
  throw new Error(
    `unknown fault(s) ${unknown.join(', ')}: ${FAULTS.map((f) => f.name).join(', ')}`,
  );
}
const selected = FAULTS.filter((f) => (only ?? profile.faults).includes(f.name));
/** Longest wait for every service to be ready again after a fault was healed. */
const readyBoundMs = Number(process.env['FAULTS_READY_BOUND_S'] ?? '90') * 1_000;
/** How long the checks wait for the read side to catch up once the workload paused. */
const catchUpMs = 60_000;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const stateDir = process.env['TALLY_STATE_DIR'] ?? join(repoRoot, '.local');
const runDir = join(stateDir, 'faults', new Date().toISOString().replaceAll(':', '-'));
mkdirSync(runDir, { recursive: true });

const names = {
  events: uniqueName('faults.events'),
  commands: uniqueName('faults.commands'),
  outcomes: uniqueName('faults.outcomes'),
  changelog: uniqueName('faults.changelog'),
};
const topics = [names.events, names.commands, names.outcomes, names.changelog];
const databases: ScratchDatabase[] = [];
const callers = await testCallers(6);
let services: FaultServices;
let all: ServiceProcess[];

async function ports(): Promise<number[]> {
  const base = process.env['FAULTS_PORT'];
  if (base !== undefined) return [0, 1, 2, 3].map((i) => Number(base) + i);
  return Promise.all([freePort(), freePort(), freePort(), freePort()]);
}

beforeAll(async () => {
  await registerSchemas(new RegistryClient(registryUrl), names.events, loadSchemas());
  const [projectorDb, auditDb] = [await scratchDatabase('faults'), await scratchDatabase('faults')];
  databases.push(projectorDb!, auditDb!);
  const [intakeA, intakeB, projectorPort, auditPort] = await ports();
  const common = {
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: registryUrl,
    TALLY_EVENTS_TOPIC: names.events,
    TALLY_TOPIC_PARTITIONS: '6',
    TALLY_TOPIC_REPLICATION: '3',
    LOG_LEVEL: 'info',
    ...callers.issuer.env,
  };
  const intakeEnv = {
    ...common,
    TALLY_COMMANDS_TOPIC: names.commands,
    TALLY_OUTCOMES_TOPIC: names.outcomes,
    TALLY_INTAKE_CHANGELOG_TOPIC: names.changelog,
    INTAKE_PROCESSOR_GROUP: uniqueName('faults.intake'),
    INTAKE_TRANSACTIONAL_ID_PREFIX: uniqueName('faults.tx'),
  };
  const service = (
    name: 'intake' | 'projector' | 'audit',
    label: string,
    port: number,
    env: Record<string, string>,
  ) =>
    new ServiceProcess(name, port, env, {
      label,
      built: true,
      logFile: join(runDir, `${label}.log`),
    });
  const projector = service('projector', 'projector', projectorPort!, {
    ...common,
    DATABASE_URL: projectorDb!.url,
    PROJECTOR_GROUP_ID: uniqueName('faults.projector'),
  });
  services = {
    intakes: [
      // Each instance keeps its partition stores in a folder of its own.
      service('intake', 'intake-a', intakeA!, {
        ...intakeEnv,
        INTAKE_STATE_DIR: join(runDir, 'intake-a-state'),
      }),
      service('intake', 'intake-b', intakeB!, {
        ...intakeEnv,
        INTAKE_STATE_DIR: join(runDir, 'intake-b-state'),
      }),
    ],
    projector,
    audit: service('audit', 'audit', auditPort!, {
      ...common,
      TALLY_OUTCOMES_TOPIC: names.outcomes,
      DATABASE_URL: auditDb!.url,
      AUDIT_GROUP_ID: uniqueName('faults.audit'),
      PROJECTOR_URL: projector.url,
      ...callers.issuer.clientEnv(runDir),
    }),
  };
  all = [...services.intakes, services.projector, services.audit];
  // The first intake creates the topics; the others start once they exist.
  await startAsOrchestrated(services.intakes[0]!);
  await Promise.all(all.slice(1).map((s) => startAsOrchestrated(s)));
});

/** Exits seen while the services started (an orchestrator restarts them; the report notes them). */
const startupExits: string[] = [];

/** Starts a service, starting it again (up to 3 times) if it exits before it is ready. */
async function startAsOrchestrated(service: ServiceProcess): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await service.start(120_000);
      return;
    } catch (error) {
      if (service.running || attempt === 3) throw error;
      const last = service.output().trim().split('\n').slice(-6).join('\n');
      startupExits.push(
        `${service.label} exited during start (${String(service.lastExit?.code)}): ${last.slice(0, 1_500)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

afterAll(async () => {
  await Promise.all((all ?? []).map((s) => s.stop()));
  // FAULTS_KEEP=1 keeps the topics and databases for a post-mortem.
  if (process.env['FAULTS_KEEP'] === '1') return;
  const admin = testKafka('faults-cleanup').admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await Promise.all(databases.map((db) => db.drop().catch(() => undefined)));
});

/** Every topic the drill's services use, the internal ones included, against RF 3 / min ISR 2. */
async function replicationGaps(): Promise<string[]> {
  const checked = [...topics, '__consumer_offsets', '__transaction_state'];
  const factors = new Map(
    (await stackFault('topic-replication', ...checked))
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
  const admin = testKafka('faults-topics').admin();
  await admin.connect();
  try {
    const gaps: string[] = [];
    for (const topic of checked) {
      const factor = factors.get(topic);
      const minIsr = (await describeTopicConfigs(admin, topic))['min.insync.replicas'];
      if (factor !== '3') gaps.push(`${topic}: replication factor ${factor ?? 'unknown'}, not 3`);
      if (minIsr !== '2') gaps.push(`${topic}: min.insync.replicas ${minIsr}, not 2`);
    }
    return gaps;
  } finally {
    await admin.disconnect();
  }
}

describe('fault drill on the three-broker cluster', () => {
  it(`keeps every guarantee through ${selected.map((f) => f.name).join(', ')} (${profileName})`, async () => {
    const answers = new AnswerLog();
    const live = () => services.intakes.filter((s) => s.running);
    const workload = new MixedWorkload({
      intakeUrl: () => {
        const up = live();
        const pool = up.length > 0 ? up : services.intakes;
        return pool[Math.floor(Math.random() * pool.length)]!.url;
      },
      accounts: 12,
      teller: callers.teller,
      clients: callers.clients,
      openShare: 0.03,
      overdraftLimit: 1_000,
      thinkMs: 150,
      send: { timeoutMs: 120_000, onAnswer: (answer) => answers.record('intake', answer) },
    });
    const prober = new Prober(
      all,
      services.projector,
      services.audit,
      // The accounts opened before the clients started: they exist in every read model.
      () => workload.accounts().slice(0, 12),
      answers,
      callers.reader,
    );
    const supervisor = new Supervisor(all);
    const results: FaultResult[] = [];
    const known = new Set<string>();
    let checkedAnswers = 0;

    /** Waits until every service answers /readyz 200 at once; the time, or undefined. */
    const allReady = async (timeoutMs: number): Promise<number | undefined> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const statuses = await Promise.all(all.map((s) => s.readyStatus()));
        if (statuses.every((s) => s === 200)) return Date.now();
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return undefined;
    };

    /** Pauses the clients, checks every guarantee against the topic, resumes; new violations. */
    const checkAll = async (): Promise<{
      checked: string[];
      violations: string[];
      truth?: LedgerTruth;
    }> => {
      await workload.pause();
      const violations: string[] = [];
      const checked: string[] = [];
      try {
        const truth = await readLedgerTruth(names);
        checked.push(
          `topic: ${truth.events.length} events, ${truth.outcomes.length} outcomes, ${truth.folded.size} accounts`,
        );
        violations.push(...truth.violations);
        checked.push('versions 1..n and no balance below its limit');
        violations.push(
          ...checkAcknowledged(truth, [...workload.decided.values()], workload.replays, [
            callers.teller,
            ...callers.clients,
          ]),
        );
        checked.push(
          `exactly once for ${workload.decided.size} decided commands, answers match the topic, ${workload.replays.length} repeated keys`,
        );
        for (const read of prober.projectorAnswers.slice(checkedAnswers)) {
          const balances = truth.balances.get(read.accountId);
          // An account that does not fold is reported above; its answers cannot be judged.
          if (balances === undefined) continue;
          const want = balances[read.version];
          if (want !== read.balance) {
            violations.push(
              `projector answered ${read.accountId} balance ${read.balance} at version ${read.version}; the topic says ${want}`,
            );
          }
        }
        checkedAnswers = prober.projectorAnswers.length;
        checked.push('every projector answer during the fault matched the topic');
        violations.push(
          ...(await checkProjector(services.projector.url, callers.reader, truth, catchUpMs)),
        );
        checked.push('projector balances = fold of the topic');
        violations.push(
          ...(await checkAudit(services.audit.url, callers.reader, truth, catchUpMs)),
        );
        checked.push('audit holds every record once, chain verifies, reconciliation 0 mismatches');
        violations.push(...workload.errors.map((e) => `client: ${e}`));
        violations.push(
          ...prober.badVerifies.map((b) => `audit /audit/verify answered 200 with ${b}`),
        );
        // Checks cover everything since the start: report only what this fault added.
        const fresh = violations.filter((v) => !known.has(v));
        for (const v of fresh) known.add(v);
        return { checked, violations: fresh, truth };
      } catch (error) {
        return { checked, violations: [`checks failed: ${String(error)}`] };
      } finally {
        workload.resume();
      }
    };

    const notReadySeconds = (from: number, to: number) => {
      const result: Record<string, number> = {};
      for (const service of all) {
        const samples = prober.samples.filter(
          (s) => s.label === service.label && s.at >= from && s.at <= to,
        );
        result[service.label] = Math.round(
          (samples.filter((s) => s.status !== 200).length * 500) / 1000,
        );
      }
      return result;
    };

    /** Each change of a service's /readyz answer in [from, to], relative to from. */
    const readinessChanges = (from: number, to: number) => {
      const changes: string[] = [];
      const last = new Map<string, string>();
      for (const sample of prober.samples) {
        if (sample.at < from || sample.at > to) continue;
        const state =
          sample.status === 200
            ? '200'
            : `${sample.status ?? 'no answer'} ${sample.body.slice(0, 300)}`;
        if (last.get(sample.label) === state) continue;
        last.set(sample.label, state);
        changes.push(`+${((sample.at - from) / 1000).toFixed(1)} s ${sample.label}: ${state}`);
      }
      return changes;
    };

    const tail = (service: ServiceProcess) =>
      service
        .output()
        .split('\n')
        .filter((line) => !/"(GET|POST) \/(readyz|healthz)/.test(line))
        .slice(-15)
        .join('\n');

    const drill = async (fault: Fault): Promise<FaultResult> => {
      const started = Date.now();
      const notes: string[] = [];
      const violations: string[] = [];
      const holdMs = profile.holdMs[fault.name] ?? 0;
      if ((await allReady(readyBoundMs)) === undefined) {
        notes.push('not every service was ready before the fault');
      }
      await workload
        .progress(`steady workload before ${fault.name}`, 20, 120_000)
        .catch((error: unknown) => violations.push(String(error)));
      const exitsBefore = supervisor.exits.length;
      let times;
      try {
        times = await fault.run({ services, topics, holdMs, note: (line) => notes.push(line) });
      } catch (error) {
        violations.push(`the fault tool failed: ${String(error)}`);
        const now = Date.now();
        times = { injectedAt: started, healStartedAt: now, healedAt: now };
      }
      const readyAt = await allReady(readyBoundMs);
      const manualRestarts: string[] = [];
      if (readyAt === undefined) {
        const latest = prober.latest();
        for (const service of all) {
          if ((await service.readyStatus()) === 200) continue;
          violations.push(
            `${service.label} not ready ${readyBoundMs / 1000} s after the heal: /readyz ${latest.get(service.label)?.status} ${latest.get(service.label)?.body.slice(0, 800)}\n    log tail:\n${tail(service).replace(/^/gm, '    ')}`,
          );
          manualRestarts.push(service.label);
          await service.kill();
          service.spawn();
        }
        if ((await allReady(readyBoundMs)) === undefined) {
          violations.push('still not ready after a manual restart');
        }
      }
      const windowEnd = readyAt ?? Date.now();
      const during = Object.fromEntries(answers.between(times.injectedAt, windowEnd)) as Record<
        string,
        Tally
      >;
      for (const [source, tally] of Object.entries(during)) {
        for (const stack of tally.stacks)
          violations.push(`${source}: a 5xx with a stack trace: ${stack}`);
      }
      await workload
        .progress(`commands after ${fault.name}`, 20, 60_000)
        .catch((error: unknown) => violations.push(`no progress once ready: ${String(error)}`));
      const check = await checkAll();
      violations.push(...check.violations);
      const exits = supervisor.exits
        .slice(exitsBefore)
        .map((e) => `${e.label} (code ${e.code}, signal ${e.signal})`);
      return {
        fault: fault.name,
        what: fault.what(holdMs),
        notes,
        during,
        readySeconds:
          readyAt === undefined ? undefined : Math.round((readyAt - times.healedAt) / 100) / 10,
        healSeconds: Math.round((times.healedAt - times.healStartedAt) / 100) / 10,
        notReadySeconds: notReadySeconds(times.injectedAt, windowEnd),
        readiness: readinessChanges(times.injectedAt, windowEnd),
        exits,
        manualRestarts,
        checked: check.checked,
        violations,
        seconds: Math.round((Date.now() - started) / 1000),
      };
    };

    const setupGaps = await replicationGaps();
    await workload.start();
    prober.start();
    supervisor.start();
    await workload.progress('the workload to warm up', 60, 120_000);
    const baseline = await checkAll();
    results.push(
      stepResult(
        'baseline',
        'no fault: the workload alone',
        ['topics and internal topics: RF 3, min.insync.replicas 2', ...baseline.checked],
        [...setupGaps, ...baseline.violations],
        startupExits,
      ),
    );
    const header = () =>
      `# Fault drill ${profileName}: ${selected.map((f) => f.name).join(', ')}\n\n` +
      `Topics ${topics.join(', ')}; ${workload.decided.size} commands decided; ready bound ${readyBoundMs / 1000} s; logs in ${runDir}`;
    for (const fault of selected) {
      const result = await drill(fault);
      results.push(result);
      console.log(
        `${fault.name}: ${result.violations.length === 0 ? 'pass' : 'FAIL'} in ${result.seconds} s`,
      );
      writeReport(runDir, header(), results);
    }
    await workload.stop();
    prober.stop();
    supervisor.stop();
    const codes = await Promise.all(all.map(async (s) => [s.label, await s.stop()] as const));
    const shutdown = codes
      .filter(([, code]) => code !== 0)
      .map(([label, code]) => `${label} exited ${code} after SIGTERM`);
    results.push(
      stepResult(
        'shutdown',
        'SIGTERM to every service',
        ['every service exits 0 after SIGTERM'],
        shutdown,
      ),
    );
    console.log(writeReport(runDir, header(), results));
    expect(results.flatMap((r) => r.violations.map((v) => `${r.fault}: ${v}`))).toEqual([]);
  });
});
