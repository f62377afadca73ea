import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tally/kafka/testing';

/** A service running as its own process, the way its image runs it. */
export interface ServiceProcess {
  readonly url: string;
  readonly pid: number;
  /** Its exit code once it has exited, null while it runs. */
  exitCode(): number | null;
  /** SIGTERM, as an orchestrator stops it, then waits for the exit. */
  stop(): Promise<void>;
}

export interface ServiceProcessOptions {
  /** The app's folder: its `dist/main.js` runs (`pnpm build` first). */
  readonly appDir: string | URL;
  /** The deployment's settings. Nothing else is inherited but PATH; PORT is chosen here. */
  readonly env: Record<string, string>;
  /** Node flags before the entry point (for example `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /**
   * What node runs, relative to `appDir`: the image's CMD (`--import @tally/telemetry/register
   * dist/main.js`) unless a benchmark runs something else (a baseline server of its own).
   */
  readonly entry?: readonly string[];
}

const DEPLOYED_ENTRY = ['--import', '@tally/telemetry/register', 'dist/main.js'];

/**
 * Starts a service as the Dockerfile's CMD does (`node --import @tally/telemetry/register
 * dist/main.js`, `NODE_ENV=production`), so that benchmarks measure the deployed process (its
 * CPU and memory, not a TypeScript loader's). Resolves once spawned; callers wait for what they
 * measure (readiness, a counter).
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const cwd = typeof options.appDir === 'string' ? options.appDir : fileURLToPath(options.appDir);
  if (options.entry === undefined && !existsSync(join(cwd, 'dist', 'main.js'))) {
    throw new Error(`${join(cwd, 'dist', 'main.js')} is missing: run pnpm build first`);
  }
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...(options.entry ?? DEPLOYED_ENTRY)],
    {
      cwd,
      // Its log goes nowhere but is still written, as in a deployment; errors reach the bench.
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        ...options.env,
        PORT: String(port),
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    exitCode: () => child.exitCode,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
