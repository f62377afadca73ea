export * from './config.js';
export { createAuditApp, type AuditAppOptions } from './app.js';
export * from './core/chain.js';
export * from './core/conservation.js';
export * from './core/inclusion.js';
export * from './core/merkle.js';
export * from './core/money.js';
export * from './core/reconcile.js';
export * from './core/reports.js';
export * from './core/signed-digest.js';
export * from './core/statement-csv.js';
export * from './core/statement-html.js';
export * from './core/statement-pdf.js';
export * from './core/statement-view.js';
export * from './core/witness.js';
export {
  AuditIngestor,
  anomalyFacts,
  entryContent,
  eventFacts,
  eventRecordFacts,
  outcomeFacts,
  outcomeRecordFacts,
} from './ingest.js';
export * from './digest-key.js';
export * from './digests.js';
export * from './evidence.js';
export {
  evidenceAdminRoutes,
  evidenceRoutes,
  type EvidenceRouteOptions,
} from './evidence-routes.js';
export { createAuditMetrics, type AuditMetrics } from './metrics.js';
export * from './reporting.js';
export { AuditService, type AuditServiceOptions } from './service.js';
export { openAuditStore } from './store/open.js';
export { PostgresAuditStore } from './store/postgres.js';
export { SqliteAuditStore } from './store/sqlite.js';
export * from './store/migrations.js';
export type * from './store/types.js';
export * from './verify.js';
export * from './witness.js';
export { auditKafkaGrant } from './kafka-grant.js';
