import { createKafka } from '@tally/kafka';
import { closeHttpServer, createLogger, installGracefulShutdown } from '@tally/service';
import { createAuditApp } from './app.js';
import { loadAuditConfig } from './config.js';
import { createAuditMetrics } from './metrics.js';
import { AuditService } from './service.js';
import { openAuditStore } from './store/open.js';

/** Runs the audit service: consumers, audit store and HTTP API, until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadAuditConfig(process.env);
  const logger = createLogger('audit', config.LOG_LEVEL);
  const store = await openAuditStore(config);
  const metrics = createAuditMetrics();
  const kafka = createKafka(config, { logger });
  const service = await AuditService.create({
    kafka,
    store,
    metrics,
    logger,
    registryUrl: config.SCHEMA_REGISTRY_URL,
    eventsTopic: config.TALLY_EVENTS_TOPIC,
    outcomesTopic: config.AUDIT_INGEST_OUTCOMES ? config.TALLY_OUTCOMES_TOPIC : undefined,
    groupId: config.AUDIT_GROUP_ID,
    maxBytesPerPartition: config.AUDIT_MAX_BYTES_PER_PARTITION,
    acknowledgedAnomalies: config.AUDIT_ACKNOWLEDGED_ANOMALIES,
    readyMaxLag: config.AUDIT_READY_MAX_LAG,
    digestKey: config.AUDIT_DIGEST_KEY,
    digestIntervalMs: config.AUDIT_DIGEST_INTERVAL_MS,
  });
  const app = createAuditApp({
    store,
    logger,
    metrics,
    projectorUrl: config.PROJECTOR_URL,
    digestKey: config.AUDIT_DIGEST_KEY,
    readiness: service.readiness(),
  });
  const server = app.listen(config.PORT, () =>
    logger.info({ port: config.PORT, store: store.kind }, 'audit listening'),
  );
  installGracefulShutdown({
    logger,
    timeoutMs: config.AUDIT_SHUTDOWN_TIMEOUT_MS,
    steps: [
      {
        name: 'http',
        run: () => closeHttpServer(server),
      },
      { name: 'consumers', run: () => service.stop() },
      { name: 'store', run: () => store.close() },
    ],
  });
  await service.start();
  logger.info(
    {
      events: config.TALLY_EVENTS_TOPIC,
      outcomes: config.AUDIT_INGEST_OUTCOMES ? config.TALLY_OUTCOMES_TOPIC : null,
    },
    'audit consuming',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
