import { scratchDir, startServiceProcess } from '@tally/testing';

const appDir = new URL('..', import.meta.url);

export interface BenchProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then waits for the exit (a CPU profile, if asked for, is written on the way out). */
  stop(): Promise<void>;
}

/** What a deployment sets beside the service's own settings, as `infra/local/services.sh` does. */
function deployedEnv(extra: Record<string, string>): Record<string, string> {
  const passed = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      (entry[0].startsWith('OTEL_') ||
        ['HOME', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL'].includes(entry[0])),
  );
  return { LOG_LEVEL: 'info', ...Object.fromEntries(passed), ...extra };
}

/** `--cpu-prof` into BENCH_CPU_PROFILE_DIR when it is set: where each process spends its CPU. */
function profileArgs(name: string): string[] {
  const dir = process.env['BENCH_CPU_PROFILE_DIR'];
  return dir === undefined
    ? []
    : ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

/** Starts the process and resolves once its /readyz answers 200. */
async function startProcess(
  name: string,
  env: Record<string, string>,
  entry?: readonly string[],
): Promise<BenchProcess> {
  const service = await startServiceProcess({
    appDir,
    env,
    nodeArgs: profileArgs(name),
    ...(entry === undefined ? {} : { entry }),
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (service.exitCode() !== null) throw new Error(`${name} exited during start-up`);
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(`${name} not ready after 120 s`);
    }
    const ok = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name, url: service.url, pid: service.pid, stop: () => service.stop() };
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
  const state = scratchDir(`intake-bench-${name}`);
  const env = deployedEnv({
    ...issuerEnv,
    ...topics,
    RATE_LIMIT_COMMANDS: '0',
    INTAKE_STATE_DIR: state.dir,
  });
  const running = await startProcess(name, env).catch((error: unknown) => {
    state.remove();
    throw error;
  });
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
  const env = deployedEnv({ ...issuerEnv, BARE_AUTH: auth ? '1' : '0' });
  return startProcess(auth ? 'bare-auth' : 'bare', env, [
    '--import',
    'tsx',
    '--conditions=@tally/source',
    'bench/bare-server.ts',
  ]);
}
