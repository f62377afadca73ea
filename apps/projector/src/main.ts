import { AccountEventSerde, registryOptions } from '@tally/events';
import { createKafka } from '@tally/kafka';
import {
  createLogger,
  createMetricsRegistry,
  serve,
  tokenVerifierFromConfig,
  type RunningService,
} from '@tally/service';
import { createApp } from './app.js';
import { CommitSignal } from './commit-signal.js';
import { loadProjectorServiceConfig } from './config.js';
import { createProjectorMetrics } from './metrics.js';
import { balancesReadModel } from './read-model.js';
import { openReadModelStore } from './store/open.js';

/** Runs the projector: read model, consumers and query API, until SIGTERM/SIGINT or a failure. */
const config = loadProjectorServiceConfig(process.env);
const logger = createLogger('projector', config.LOG_LEVEL);
const verifier = await tokenVerifierFromConfig(config);
const store = await openReadModelStore(config);
const serde = await AccountEventSerde.connect({
  ...registryOptions(config),
  topic: config.TALLY_EVENTS_TOPIC,
});
const metrics = createProjectorMetrics(createMetricsRegistry('projector'));
let running: RunningService | undefined;
const commits = new CommitSignal();
const readModel = balancesReadModel({
  kafka: createKafka(config, { logger }),
  topic: config.TALLY_EVENTS_TOPIC,
  groupId: config.PROJECTOR_GROUP_ID,
  store,
  serde,
  logger,
  metrics,
  commits,
  sessionTimeout: config.PROJECTOR_SESSION_TIMEOUT_MS,
  readyMaxLag: config.PROJECTOR_READY_MAX_LAG,
  maxBytesPerPartition: config.PROJECTOR_MAX_BYTES_PER_PARTITION,
  fetchIntervalMs: config.KAFKA_FETCH_INTERVAL_MS,
  onFailure: (error) => void running?.shutdown(error),
});
const app = createApp({
  store,
  logger,
  metrics,
  verifier,
  readiness: readModel.readiness(),
  minVersionWaitMs: config.PROJECTOR_MIN_VERSION_WAIT_MS,
  commits,
});
running = await serve({
  name: 'projector',
  app,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.PROJECTOR_SHUTDOWN_TIMEOUT_MS,
  steps: [
    // The batch in flight commits with its offsets before the store closes.
    { name: 'consumers', run: () => readModel.stop() },
    { name: 'store', run: () => store.close() },
  ],
});
logger.info({ store: store.kind, generation: store.generation }, 'projector read model open');
await readModel.start().catch((error: unknown) => running?.shutdown(error));
