import type { Express, Request, RequestHandler } from 'express';
import { ACCOUNT_EVENTS_TOPIC } from '@tally/events';
import {
  authenticate,
  badParam,
  createHttpApp,
  HttpProblem,
  intParam,
  parseDay,
  parsedParam,
  parsePeriod,
  parseTimeZone,
  principalOf,
  requireAccount,
  requireAllAccounts,
  requireScope,
  SCOPES,
  stringParam,
  type Logger,
  type ReadinessCheck,
  type TokenVerifier,
} from '@tally/service';
import { jsonSafe } from './core/money.js';
import { statementCsv } from './core/statement-csv.js';
import { statementHtml } from './core/statement-html.js';
import { statementPdf } from './core/statement-pdf.js';
import {
  evidenceAdminRoutes,
  evidenceRoutes,
  type EvidenceRouteOptions,
} from './evidence-routes.js';
import type { AuditMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import {
  dailyReport,
  ProjectorUnavailableError,
  reconciliationReport,
  statementReport,
  statementVerification,
  type ProjectorClient,
} from './reporting.js';
import type { AuditStore, StoredEntry } from './store/types.js';
import { verifyLog } from './verify.js';

export interface AuditAppOptions {
  readonly store: AuditStore;
  readonly logger: Logger;
  readonly metrics: AuditMetrics;
  /** The projector, asked by the reconciliation with the audit service's own token. */
  readonly projector: ProjectorClient;
  /** Verifies callers' bearer tokens: audit:read for reports, audit:admin for digests and the witness. */
  readonly verifier: TokenVerifier;
  /** The audited events topic (conservation cuts name its partitions); the default topic if unset. */
  readonly eventsTopic?: string;
  /** Signed digests, proofs, the witness check and conservation (evidence-routes.ts). */
  readonly evidence?: Pick<EvidenceRouteOptions, 'signer' | 'witness'>;
  readonly readiness?: readonly ReadinessCheck[];
  readonly clock?: () => number;
}

function requiredParam(req: Request, name: string, form: string): string {
  const raw = stringParam(req, name);
  if (raw === undefined) throw badParam(name, `is required (${form})`);
  return raw;
}

const timeZoneParam = (req: Request) =>
  parsedParam(parseTimeZone('tz', stringParam(req, 'tz') ?? 'UTC'));

/** An entry as the API shows it: the decoded payload as JSON, everything hashed kept as stored. */
export function entryJson(entry: StoredEntry) {
  return {
    ...entry,
    payload: entry.payload === null ? null : (JSON.parse(entry.payload) as unknown),
  };
}

/** The audit service's HTTP API; never listens (main.ts does). */
export function createAuditApp(options: AuditAppOptions): Express {
  const { store, metrics, logger } = options;
  const clock = options.clock ?? Date.now;
  return createHttpApp({
    logger,
    metrics: metrics.registry,
    readiness: [options.verifier.readiness, ...(options.readiness ?? [])],
    routes: (app) => {
      app.get('/openapi.json', (_req, res) => {
        res.json(openApiDocument);
      });
      app.use(authenticate(options.verifier));
      const reader = requireScope(SCOPES.auditRead);
      const admin = requireScope(SCOPES.auditAdmin);
      /** Reports over every account: never for a token limited to accounts. */
      const allAccounts = (req: Request) => requireAllAccounts(principalOf(req));
      const overAllAccounts: RequestHandler = (req, _res, next) => {
        allAccounts(req);
        next();
      };

      app.get('/audit/accounts/:id/entries', reader, async (req, res) => {
        const accountId = String(req.params['id']);
        requireAccount(principalOf(req), accountId);
        const limit = intParam(req, 'limit', { min: 1, max: 1_000, fallback: 100 });
        const after = intParam(req, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
        const page = await store.accountEntries(accountId, after, limit);
        res.json({ accountId, items: page.items.map(entryJson), next: page.next });
      });

      app.get('/audit/verify', reader, async (req, res) => {
        allAccounts(req);
        const report = await verifyLog(store);
        if (!report.ok) {
          metrics.verifyFailures.inc();
          logger.error({ failure: report.firstFailure }, 'audit log verification failed');
        }
        res.json(report);
      });

      app.get('/audit/anomalies', reader, async (req, res) => {
        allAccounts(req);
        const limit = intParam(req, 'limit', { min: 1, max: 1_000, fallback: 100 });
        res.json({ items: (await store.anomalies(limit)).map(entryJson) });
      });

      const evidence = {
        store,
        logger,
        metrics,
        eventsTopic: options.eventsTopic ?? ACCOUNT_EVENTS_TOPIC,
        ...options.evidence,
      };
      // Every evidence route spans all accounts: never for a token limited to accounts.
      evidenceRoutes(app, evidence, [reader, overAllAccounts]);
      // audit:admin: signed digests (signing, reading, checking) and the witness check.
      evidenceAdminRoutes(app, evidence, [admin, overAllAccounts]);

      app.get('/reports/statement', reader, async (req, res) => {
        const account = stringParam(req, 'account');
        if (!account) throw badParam('account', 'is required');
        requireAccount(principalOf(req), account);
        const timeZone = timeZoneParam(req);
        const period = parsedParam(
          parsePeriod(
            { name: 'from', value: requiredParam(req, 'from', 'a date or date-time') },
            { name: 'to', value: requiredParam(req, 'to', 'a date or date-time') },
            timeZone,
          ),
        );
        const format = stringParam(req, 'format') ?? 'json';
        if (!['json', 'csv', 'html', 'pdf'].includes(format))
          throw badParam('format', 'must be json, csv, html or pdf');
        const statement = await statementReport(store, account, period);
        if (!statement) {
          throw new HttpProblem(
            404,
            'ACCOUNT_NOT_FOUND',
            'Account not found',
            `the audit log has no event of account ${account}`,
          );
        }
        if (format === 'csv') {
          res
            .type('text/csv; charset=utf-8')
            .attachment(`statement-${account}.csv`)
            .send(statementCsv(statement));
        } else if (format === 'html' || format === 'pdf') {
          const meta = {
            generatedAt: clock(),
            timeZone,
            ...(await statementVerification(store, statement)),
          };
          if (format === 'html') {
            res.type('text/html; charset=utf-8').send(statementHtml(statement, meta));
          } else {
            res
              .type('application/pdf')
              .attachment(`statement-${account}.pdf`)
              .send(await statementPdf(statement, meta));
          }
        } else {
          res.json(jsonSafe(statement));
        }
      });

      app.get('/reports/daily', reader, async (req, res) => {
        allAccounts(req);
        const date = requiredParam(req, 'date', 'YYYY-MM-DD');
        const day = parsedParam(parseDay('date', date, timeZoneParam(req)));
        res.json(jsonSafe(await dailyReport(store, day)));
      });

      app.get('/reports/reconciliation', reader, async (req, res) => {
        allAccounts(req);
        try {
          res.json(await reconciliationReport(store, options.projector));
        } catch (error) {
          if (error instanceof ProjectorUnavailableError) {
            throw new HttpProblem(502, error.code, 'Projector unavailable', error.message);
          }
          throw error;
        }
      });
    },
  });
}
