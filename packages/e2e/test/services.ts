import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { testKafka, uniqueName, waitUntil } from '@tally/kafka/testing';
import type { TestIssuer } from '@tally/service/testing';
import { serviceNodeArgs } from '@tally/telemetry/testing';
import { freePort, registryUrl } from '@tally/testing';

export type ServiceName = 'intake' | 'projector' | 'audit';

export interface ServiceProcessOptions {
  /** Name in messages and logs when several instances of one app run (default: the app's name). */
  readonly label?: string;
  /** Run the built output (`node dist/main.js`, needs `pnpm build`) instead of the sources via tsx. */
  readonly built?: boolean;
  /** Appends everything the process writes to this file as well. */
  readonly logFile?: string;
}

/** How a process ended; `expected` when the test stopped or killed it itself. */
export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly expected: boolean;
  readonly at: number;
}

/**
 * One service as its own OS process: plain node with the tracing bootstrap running the app (its
 * sources with the tsx loader, or its built output), so signals, exit codes and crashes are the service's own. Restartable on
 * the same port and env, as an orchestrator would do.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<ServiceExit> = Promise.resolve({
    code: null,
    signal: null,
    expected: true,
    at: 0,
  });
  private expectExit = false;
  /** How the last process ended (undefined while none ended yet). */
  lastExit: ServiceExit | undefined;
  private readonly log: string[] = [];
  readonly url: string;
  readonly label: string;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Readonly<Record<string, string>>,
    private readonly options: ServiceProcessOptions = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.label = options.label ?? name;
    if (options.logFile) mkdirSync(dirname(options.logFile), { recursive: true });
  }

  /** Spawns the process and resolves once `/readyz` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const child = this.spawn();
    try {
      await waitUntil(
        `${this.label} ready on ${this.url}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${this.label} exited (${child.exitCode})`);
          return (await this.readyStatus()) === 200;
        },
        timeoutMs,
        100,
      );
    } catch (error) {
      throw new Error(`${String(error)}\n--- ${this.label} output:\n${this.output()}`);
    }
  }

  /** Spawns the process without waiting for it to become ready. */
  spawn(): ChildProcess {
    const cwd = fileURLToPath(new URL(`../../../apps/${this.name}`, import.meta.url));
    // Both with the tracing bootstrap, as the services are deployed.
    const args = this.options.built
      ? ['--import', '@tally/telemetry/register', 'dist/main.js']
      : serviceNodeArgs('src/main.ts');
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...inheritedEnv(), ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.expectExit = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.lastExit = { code, signal, expected: this.expectExit, at: Date.now() };
        resolve(this.lastExit);
      }),
    );
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      this.log.push(text);
      if (this.log.length > 400) this.log.splice(0, this.log.length - 400);
      if (this.options.logFile) appendFileSync(this.options.logFile, text);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }

  /** The status `/readyz` answers within a second, or undefined when it does not answer. */
  async readyStatus(): Promise<number | undefined> {
    const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1_000) }).catch(
      () => undefined,
    );
    await res?.body?.cancel();
    return res?.status;
  }

  /** SIGTERM (graceful shutdown) and the exit code. */
  async stop(): Promise<number | null> {
    if (this.running) {
      this.expectExit = true;
      this.child?.kill('SIGTERM');
    }
    return (await this.exited).code;
  }

  /** `kill -9`: no shutdown step runs. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.expectExit = true;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Resolves when the current process ends, however it ends. */
  whenExited(): Promise<ServiceExit> {
    return this.exited;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
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
