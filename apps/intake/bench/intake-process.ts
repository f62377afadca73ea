import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tally/kafka/testing';
import { scratchDir } from '@tally/testing';

const appDir = fileURLToPath(new URL('..', import.meta.url));

export interface BenchProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then waits for the exit (a CPU profile, if asked for, is written on the way out). */
  stop(): Promise<void>;
}

/** Only what a deployment sets, as `infra/local/services.sh` starts the services: no inherited env. */
function deployedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const otel = Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_'));
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    SCHEMA_REGISTRY_URL: process.env['SCHEMA_REGISTRY_URL'],
    ...Object.fromEntries(otel),
    ...extra,
  };
}

/** `--cpu-prof` into BENCH_CPU_PROFILE_DIR when it is set: where each process spends its CPU. */
function profileArgs(name: string): string[] {
  const dir = process.env['BENCH_CPU_PROFILE_DIR'];
  return dir === undefined
    ? []
    : ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

async function startProcess(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  port: number,
): Promise<BenchProcess> {
  const child: ChildProcess = spawn(process.execPath, [...profileArgs(name), ...args], {
    cwd: appDir,
    env,
    // Its log goes nowhere but is still written, as in a deployment.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (gone) throw new Error(`${name} exited during start-up`);
    if (Date.now() > deadline) throw new Error(`${name} not ready after 120 s`);
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    name,
    url,
    pid: child.pid ?? NaN,
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface IntakeTopicsEnv {
  readonly TALLY_EVENTS_TOPIC: string;
  readonly TALLY_COMMANDS_TOPIC: string;
  readonly TALLY_OUTCOMES_TOPIC: string;
  readonly TALLY_INTAKE_CHANGELOG_TOPIC: string;
  readonly INTAKE_PROCESSOR_GROUP: string;
  readonly INTAKE_TRANSACTIONAL_ID_PREFIX: string;
}

/**
 * An intake as deployed (`node dist/main.js` after `pnpm build`, tracing bootstrap first) on the
 * given topics and group, trusting `issuerEnv`, without a rate limit; resolves once it is ready.
 */
export async function startDeployedIntake(
  name: string,
  topics: IntakeTopicsEnv,
  issuerEnv: Record<string, string>,
): Promise<BenchProcess> {
  if (!existsSync(join(appDir, 'dist', 'main.js'))) {
    throw new Error('apps/intake/dist/main.js is missing: run pnpm build first');
  }
  const port = await freePort();
  const state = scratchDir(`intake-bench-${name}`);
  const env = deployedEnv({
    ...issuerEnv,
    ...topics,
    PORT: String(port),
    RATE_LIMIT_COMMANDS: '0',
    INTAKE_STATE_DIR: state.dir,
  });
  const running = await startProcess(
    name,
    ['--import', '@tally/telemetry/register', 'dist/main.js'],
    env,
    port,
  );
  return {
    ...running,
    stop: async () => {
      await running.stop();
      state.remove();
    },
  };
}

/** The bare express baseline (bench/bare-server.ts) in its own process; `auth` verifies tokens. */
export async function startBareServer(
  issuerEnv: Record<string, string>,
  auth: boolean,
): Promise<BenchProcess> {
  const port = await freePort();
  const env = deployedEnv({ ...issuerEnv, PORT: String(port), BARE_AUTH: auth ? '1' : '0' });
  return startProcess(
    auth ? 'bare-auth' : 'bare',
    ['--import', 'tsx', '--conditions=@tally/source', 'bench/bare-server.ts'],
    env,
    port,
  );
}
