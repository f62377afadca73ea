import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { uniqueName, waitUntil } from '@tally/kafka/testing';
import { freePort, registryUrl, scratchDir } from '@tally/testing';

export interface BenchProjector {
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM, as an orchestrator would) and removes its read model. */
  stop(): Promise<void>;
}

const projectorDir = fileURLToPath(new URL('../../projector/', import.meta.url));

/**
 * The projector as deployed: its own process (`src/main.ts` through the tsx loader), its own
 * SQLite read model, following `eventsTopic`, trusting the bench's issuer; resolves once ready.
 */
export async function startBenchProjector(
  eventsTopic: string,
  issuerEnv: Record<string, string>,
): Promise<BenchProjector> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const store = scratchDir('projector-bench');
  console.log('starting the projector as its own process...');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@tally/source', 'src/main.ts'],
    {
      cwd: projectorDir,
      stdio: ['ignore', 'ignore', 'inherit'],
      // The bench's env (brokers and registry of the stack), then the projector's own settings.
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        SCHEMA_REGISTRY_URL: registryUrl,
        TALLY_EVENTS_TOPIC: eventsTopic,
        PROJECTOR_GROUP_ID: uniqueName('bench.projector'),
        PROJECTOR_SQLITE_PATH: `${store.dir}/read-model.sqlite`,
        // A `?minVersion=` read waits up to this long before answering 504 (then asked again).
        PROJECTOR_MIN_VERSION_WAIT_MS: '10000',
        ...issuerEnv,
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntil(
    'the projector is ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the projector exited ${child.exitCode}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true;
    },
    60_000,
    100,
  );
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      store.remove();
    },
  };
}
