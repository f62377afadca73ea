import { registryOptions } from '@tally/events';
import { createKafka } from '@tally/kafka';
import {
  createLogger,
  serve,
  serviceTokenSourceFromConfig,
  tokenVerifierFromConfig,
  type RunningService,
} from '@tally/service';
import { createAuditApp } from './app.js';
import { loadAuditServiceConfig } from './config.js';
import { createAuditMetrics } from './metrics.js';
import { AuditService } from './service.js';
import { openAuditStore } from './store/open.js';

/** Runs the audit service: consumers, audit store and HTTP API, until SIGTERM/SIGINT or a failure. */
const config = loadAuditServiceConfig(process.env);
const logger = createLogger('audit', config.LOG_LEVEL);
const verifier = await tokenVerifierFromConfig(config);
const projector = { url: config.PROJECTOR_URL, tokens: await serviceTokenSourceFromConfig(config) };
const store = await openAuditStore(config);
const metrics = createAuditMetrics();
let running: RunningService | undefined;
const service = await AuditService.create({
  kafka: createKafka(config, { logger }),
  store,
  metrics,
  logger,
  ...registryOptions(config),
  eventsTopic: config.TALLY_EVENTS_TOPIC,
  outcomesTopic: config.AUDIT_INGEST_OUTCOMES ? config.TALLY_OUTCOMES_TOPIC : undefined,
  groupId: config.AUDIT_GROUP_ID,
  maxBytesPerPartition: config.AUDIT_MAX_BYTES_PER_PARTITION,
  acknowledgedAnomalies: config.AUDIT_ACKNOWLEDGED_ANOMALIES,
  readyMaxLag: config.AUDIT_READY_MAX_LAG,
  digestKey: config.AUDIT_DIGEST_KEY,
  digestIntervalMs: config.AUDIT_DIGEST_INTERVAL_MS,
  onFailure: (error) => void running?.shutdown(error),
});
const app = createAuditApp({
  store,
  logger,
  metrics,
  projector,
  verifier,
  digestKey: config.AUDIT_DIGEST_KEY,
  readiness: service.readiness(),
});
running = await serve({
  name: 'audit',
  app,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.AUDIT_SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: 'consumers', run: () => service.stop() },
    { name: 'store', run: () => store.close() },
  ],
});
await service.start().catch((error: unknown) => running?.shutdown(error));
logger.info(
  {
    store: store.kind,
    events: config.TALLY_EVENTS_TOPIC,
    outcomes: config.AUDIT_INGEST_OUTCOMES ? config.TALLY_OUTCOMES_TOPIC : null,
  },
  'audit consuming',
);
