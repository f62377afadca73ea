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
import { digestSignerFrom } from './digest-key.js';
import { digestMetrics, EvidenceSchedule, WitnessRunner } from './evidence.js';
import { createAuditMetrics } from './metrics.js';
import { AuditService } from './service.js';
import { openAuditStore } from './store/open.js';
import { witnessOptionsFrom } from './witness.js';

/** Runs the audit service: consumers, audit store and HTTP API, until SIGTERM/SIGINT or a failure. */
const config = loadAuditServiceConfig(process.env);
const logger = createLogger('audit', config.LOG_LEVEL);
const verifier = await tokenVerifierFromConfig(config);
const projector = { url: config.PROJECTOR_URL, tokens: await serviceTokenSourceFromConfig(config) };
const store = await openAuditStore(config);
const metrics = createAuditMetrics();
const kafka = createKafka(config, { logger });
let running: RunningService | undefined;
const service = await AuditService.create({
  kafka,
  store,
  metrics,
  logger,
  ...registryOptions(config),
  eventsTopic: config.TALLY_EVENTS_TOPIC,
  outcomesTopic: config.AUDIT_INGEST_OUTCOMES ? config.TALLY_OUTCOMES_TOPIC : undefined,
  groupId: config.AUDIT_GROUP_ID,
  maxBytesPerPartition: config.AUDIT_MAX_BYTES_PER_PARTITION,
  fetchIntervalMs: config.KAFKA_FETCH_INTERVAL_MS,
  acknowledgedAnomalies: config.AUDIT_ACKNOWLEDGED_ANOMALIES,
  readyMaxLag: config.AUDIT_READY_MAX_LAG,
  onFailure: (error) => void running?.shutdown(error),
});
const signer = await digestSignerFrom(config, store, logger, digestMetrics(metrics));
if (signer === undefined) {
  logger.warn('AUDIT_DIGEST_SIGNING_KEY_FILE is not set: no signed digests, no inclusion proofs');
}
const witness = new WitnessRunner(await witnessOptionsFrom(config, kafka, store, logger), metrics);
const evidence = new EvidenceSchedule({
  signer,
  digestIntervalMs: config.AUDIT_DIGEST_INTERVAL_MS,
  witness,
  witnessIntervalMs: config.AUDIT_WITNESS_INTERVAL_MS,
  logger,
});
const app = createAuditApp({
  store,
  logger,
  metrics,
  projector,
  verifier,
  eventsTopic: config.TALLY_EVENTS_TOPIC,
  evidence: { signer, witness },
  readiness: service.readiness(),
});
running = await serve({
  name: 'audit',
  app,
  port: config.PORT,
  logger,
  shutdownTimeoutMs: config.AUDIT_SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: 'evidence', run: () => evidence.stop() },
    { name: 'consumers', run: () => service.stop() },
    { name: 'store', run: () => store.close() },
  ],
});
await service.start().catch((error: unknown) => running?.shutdown(error));
evidence.start();
logger.info(
  {
    store: store.kind,
    events: config.TALLY_EVENTS_TOPIC,
    outcomes: config.AUDIT_INGEST_OUTCOMES ? config.TALLY_OUTCOMES_TOPIC : null,
    digestKeyId: signer?.keyId ?? null,
  },
  'audit consuming',
);
