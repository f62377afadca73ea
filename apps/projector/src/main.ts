import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AccountEventSerde } from '@tally/events';
import { createKafka } from '@tally/kafka';
import { closeHttpServer, createLogger } from '@tally/service';
import { createApp } from './app.js';
import { loadProjectorConfig } from './config.js';
import { createMetrics } from './metrics.js';
import { Projector } from './projector.js';
import { openStore } from './store/open.js';

/** Runs the projector: consumer, read model and query API, until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadProjectorConfig(process.env);
  const logger = createLogger('projector', config.LOG_LEVEL);
  if (!config.DATABASE_URL) mkdirSync(dirname(config.PROJECTOR_SQLITE_PATH), { recursive: true });
  const store = await openStore(config);
  const serde = await AccountEventSerde.connect({
    registryUrl: config.SCHEMA_REGISTRY_URL,
    topic: config.TALLY_EVENTS_TOPIC,
  });
  const kafka = createKafka(config, { logger });
  const metrics = createMetrics();
  const projector = new Projector({
    kafka,
    topic: config.TALLY_EVENTS_TOPIC,
    groupId: config.PROJECTOR_GROUP_ID,
    store,
    serde,
    logger,
    metrics,
    sessionTimeout: config.PROJECTOR_SESSION_TIMEOUT_MS,
  });
  const app = createApp({
    store,
    metrics,
    status: {
      halts: () => projector.halts(),
      lag: () => projector.lag(),
      isRunning: () => projector.consumer.isRunning(),
    },
    minVersionWaitMs: config.PROJECTOR_MIN_VERSION_WAIT_MS,
    readyMaxLag: config.PROJECTOR_READY_MAX_LAG,
  });
  const server = app.listen(config.PORT, () =>
    logger.info(
      { port: config.PORT, store: store.kind, generation: store.generation },
      'projector listening',
    ),
  );
  await projector.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing the batch in flight');
    const httpClosed = closeHttpServer(server);
    await projector.stop();
    await httpClosed;
    await store.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
