import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@tally/kafka/testing';
import { serviceNodeArgs } from '@tally/telemetry/testing';

export type ServiceName = 'intake' | 'projector' | 'audit';

/** A port nobody listens on right now. */

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
