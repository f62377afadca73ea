export * from './config.js';
export { createAuditApp, type AuditAppOptions } from './app.js';
export * from './core/chain.js';
export * from './core/digest.js';
export * from './core/reports.js';
export {
  AuditIngestor,
  anomalyFacts,
  entryContent,
  eventFacts,
  eventRecordFacts,
  outcomeFacts,
  outcomeRecordFacts,
} from './ingest.js';
export { createAuditMetrics, type AuditMetrics } from './metrics.js';
export * from './reporting.js';
export { AuditService, type AuditServiceOptions } from './service.js';
export { openAuditStore } from './store/open.js';
export { PostgresAuditStore } from './store/postgres.js';
export { SqliteAuditStore } from './store/sqlite.js';
export type * from './store/types.js';
export { verifyLog, type VerifyReport, type VerifyOptions } from './verify.js';
export { auditKafkaGrant } from './kafka-grant.js';
