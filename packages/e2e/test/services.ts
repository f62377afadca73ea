import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { testKafka, uniqueName, waitUntil } from '@tally/kafka/testing';
import type { TestIssuer } from '@tally/service/testing';
import { serviceNodeArgs } from '@tally/telemetry/testing';
import { freePort, registryUrl } from '@tally/testing';

export type ServiceName = 'intake' | 'projector' | 'audit';

/**
 * One service as its own OS process: plain node with the tsx loader and the tracing bootstrap
 * running `src/main.ts` of the app, so signals, exit codes and crashes are the service's own.
 * Restartable on the same port and env, as an orchestrator would do.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly log: string[] = [];
  readonly url: string;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Readonly<Record<string, string>>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Spawns the process and resolves once `/readyz` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const cwd = fileURLToPath(new URL(`../../../apps/${this.name}`, import.meta.url));
    const child = spawn(process.execPath, serviceNodeArgs('src/main.ts'), {
      cwd,
      env: { ...inheritedEnv(), ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const keep = (chunk: Buffer) => {
      this.log.push(chunk.toString());
      if (this.log.length > 400) this.log.splice(0, this.log.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await waitUntil(
        `${this.name} ready on ${this.url}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${this.name} exited (${child.exitCode})`);
          const res = await fetch(`${this.url}/readyz`).catch(() => undefined);
          await res?.body?.cancel();
          return res?.status === 200;
        },
        timeoutMs,
        100,
      );
    } catch (error) {
      throw new Error(`${String(error)}\n--- ${this.name} output:\n${this.output()}`);
    }
  }

  /** SIGTERM (graceful shutdown) and the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child?.kill('SIGTERM');
    return this.exited;
  }

  /** `kill -9`: no shutdown step runs. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  output(): string {
    return this.log.join('').slice(-20_000);
  }
}

/** The test's environment without any service setting, so only the test's own names apply. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const own = /^(TALLY_|INTAKE_|PROJECTOR_|AUDIT_|OTEL_|DATABASE_URL$|PORT$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !own.test(name)));
}

/** The three services on topics, groups, ports, state and SQLite files of a test's own. */
export interface ServiceSystem {
  readonly intake: ServiceProcess;
  readonly projector: ServiceProcess;
  readonly audit: ServiceProcess;
  /** The test's names, for reading its topics. */
  readonly names: {
    readonly events: string;
    readonly commands: string;
    readonly outcomes: string;
    readonly changelog: string;
  };
  /** Stops the three, deletes the topics and the state folder. */
  stop(): Promise<void>;
}

/**
 * Registers the schemas under fresh topic names and starts the intake (which creates the topics),
 * then the projector and the audit. Every service trusts `issuer`; the audit signs its own token
 * for the projector with its key. `env` adds settings per service (`all` for every one).
 */
export async function startServiceSystem(
  prefix: string,
  options: {
    readonly partitions: number;
    readonly issuer: TestIssuer;
    readonly env?: Partial<Record<ServiceName | 'all', Readonly<Record<string, string>>>>;
  },
): Promise<ServiceSystem> {
  const names = {
    events: uniqueName(`${prefix}.events`),
    commands: uniqueName(`${prefix}.commands`),
    outcomes: uniqueName(`${prefix}.outcomes`),
    changelog: uniqueName(`${prefix}.changelog`),
    intakeGroup: uniqueName(`${prefix}.intake`),
    txPrefix: uniqueName(`${prefix}.tx`),
    projectorGroup: uniqueName(`${prefix}.projector`),
    auditGroup: uniqueName(`${prefix}.audit`),
  };
  const scratch = mkdtempSync(join(tmpdir(), `tally-${prefix}-`));
  await registerSchemas(new RegistryClient(registryUrl), names.events, loadSchemas());
  const [intakePort, projectorPort, auditPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
  ]);
  const env = options.env ?? {};
  const common = {
    SCHEMA_REGISTRY_URL: registryUrl,
    TALLY_EVENTS_TOPIC: names.events,
    TALLY_TOPIC_PARTITIONS: String(options.partitions),
    ...options.issuer.env,
    ...env.all,
  };
  const intake = new ServiceProcess('intake', intakePort!, {
    ...common,
    TALLY_COMMANDS_TOPIC: names.commands,
    TALLY_OUTCOMES_TOPIC: names.outcomes,
    // The run's own changelog and state stores, kept across the intake's restarts.
    TALLY_INTAKE_CHANGELOG_TOPIC: names.changelog,
    INTAKE_STATE_DIR: join(scratch, 'intake-state'),
    INTAKE_PROCESSOR_GROUP: names.intakeGroup,
    INTAKE_TRANSACTIONAL_ID_PREFIX: names.txPrefix,
    ...env.intake,
  });
  const projector = new ServiceProcess('projector', projectorPort!, {
    ...common,
    PROJECTOR_SQLITE_PATH: join(scratch, 'projector.sqlite'),
    PROJECTOR_GROUP_ID: names.projectorGroup,
    ...env.projector,
  });
  const audit = new ServiceProcess('audit', auditPort!, {
    ...common,
    TALLY_OUTCOMES_TOPIC: names.outcomes,
    AUDIT_SQLITE_PATH: join(scratch, 'audit.sqlite'),
    AUDIT_GROUP_ID: names.auditGroup,
    PROJECTOR_URL: projector.url,
    ...options.issuer.clientEnv(scratch),
    ...env.audit,
  });
  const stop = async () => {
    await Promise.all([intake, projector, audit].map((s) => s.stop()));
    const admin = testKafka(`${prefix}-cleanup`).admin();
    await admin.connect();
    await admin
      .deleteTopics({
        topics: [names.events, names.commands, names.outcomes, names.changelog],
      })
      .catch(() => undefined);
    await admin.disconnect();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    // The intake creates the three topics; the consumers start once they exist.
    await intake.start();
    await Promise.all([projector.start(), audit.start()]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { intake, projector, audit, names, stop };
}
