import { fileURLToPath } from 'node:url';
import { uniqueName, waitUntil } from '@tally/kafka/testing';
import { registryUrl, scratchDir, startServiceProcess } from '@tally/testing';

export interface BenchProjector {
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM, as an orchestrator would) and removes its read model. */
  stop(): Promise<void>;
}

const projectorDir = fileURLToPath(new URL('../../projector/', import.meta.url));

/**
 * The projector as deployed: its own process (`dist/main.js`, as its image runs it), its own
 * SQLite read model, following `eventsTopic`, trusting the bench's issuer; resolves once ready.
 */
export async function startBenchProjector(
  eventsTopic: string,
  issuerEnv: Record<string, string>,
): Promise<BenchProjector> {
  const store = scratchDir('projector-bench');
  console.log('starting the projector as its own process...');
  const service = await startServiceProcess({
    appDir: projectorDir,
    env: {
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: registryUrl,
      TALLY_EVENTS_TOPIC: eventsTopic,
      PROJECTOR_GROUP_ID: uniqueName('bench.projector'),
      PROJECTOR_SQLITE_PATH: `${store.dir}/read-model.sqlite`,
      // A `?minVersion=` read waits up to this long before answering 504 (then asked again).
      PROJECTOR_MIN_VERSION_WAIT_MS: '10000',
      ...issuerEnv,
    },
  });
  const { url, pid } = service;
  await waitUntil(
    'the projector is ready',
    async () => {
      if (service.exitCode() !== null)
        throw new Error(`the projector exited ${service.exitCode()}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true;
    },
    60_000,
    100,
  );
  return {
    url,
    pid,
    stop: async () => {
      await service.stop();
      store.remove();
    },
  };
}
