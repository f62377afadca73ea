import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@tally/kafka/testing';

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
 * One service as its own OS process: plain node running the app (its sources with the tsx loader,
 * or its built output), so signals, exit codes and crashes are the service's own. Restartable on
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
    const args = this.options.built
      ? ['dist/main.js']
      : ['--import', 'tsx', '--conditions=@tally/source', 'src/main.ts'];
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
  const own = /^(TALLY_|INTAKE_|PROJECTOR_|AUDIT_|DATABASE_URL$|PORT$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !own.test(name)));
}
