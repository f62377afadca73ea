import type { Express, Request } from 'express';
import {
  authenticate,
  badParam,
  createHttpApp,
  HttpProblem,
  intParam,
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
import { signDigest, type Digest } from './core/digest.js';
import { parseInstant, statementCsv, statementHtml } from './core/reports.js';
import type { AuditMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import {
  dailyReport,
  ProjectorUnavailableError,
  reconciliationReport,
  statementReport,
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
  /** Verifies callers' bearer tokens: audit:read for reports, audit:admin for digests. */
  readonly verifier: TokenVerifier;
  readonly digestKey?: string | undefined;
  readonly readiness?: readonly ReadinessCheck[];
  readonly clock?: () => number;
}

function instantParam(req: Request, name: string): number {
  const raw = stringParam(req, name);
  if (raw === undefined)
    throw badParam(name, 'is required (YYYY-MM-DD, ISO date-time or epoch ms)');
  const ms = parseInstant(raw);
  if (ms === undefined)
    throw badParam(
      name,
      `must be YYYY-MM-DD, an ISO date-time or epoch ms, got ${JSON.stringify(raw)}`,
    );
  return ms;
}

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

      app.post('/audit/digests', admin, async (req, res) => {
        allAccounts(req);
        if (options.digestKey === undefined) throw digestDisabled();
        const digest = signDigest(await store.heads(), clock(), options.digestKey);
        await store.saveDigest(digest);
        res.status(201).json(digest);
      });

      app.get('/audit/digests/latest', admin, async (req, res) => {
        allAccounts(req);
        const digest = await store.latestDigest();
        if (!digest)
          throw new HttpProblem(404, 'NO_DIGEST', 'No digest', 'no digest was signed yet');
        res.json(digest);
      });

      app.post('/audit/digests/check', admin, async (req, res) => {
        allAccounts(req);
        if (options.digestKey === undefined) throw digestDisabled();
        const digest = req.body as Digest;
        if (typeof digest !== 'object' || digest === null || !Array.isArray(digest.chains)) {
          throw badParam('body', 'must be a digest as exported by POST /audit/digests');
        }
        res.json(await verifyLog(store, { digest, digestKey: options.digestKey }));
      });

      app.get('/reports/statement', reader, async (req, res) => {
        const account = stringParam(req, 'account');
        if (!account) throw badParam('account', 'is required');
        requireAccount(principalOf(req), account);
        const from = instantParam(req, 'from');
        const to = instantParam(req, 'to');
        if (to <= from) throw badParam('to', 'must be after from');
        const format = stringParam(req, 'format') ?? 'json';
        if (!['json', 'csv', 'html'].includes(format))
          throw badParam('format', 'must be json, csv or html');
        const statement = await statementReport(store, account, { from, to });
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
        } else if (format === 'html') {
          res.type('text/html; charset=utf-8').send(statementHtml(statement));
        } else {
          res.json(statement);
        }
      });

      app.get('/reports/daily', reader, async (req, res) => {
        allAccounts(req);
        const date = stringParam(req, 'date');
        if (!date) throw badParam('date', 'is required (YYYY-MM-DD, UTC)');
        const summary = await dailyReport(store, date);
        if (!summary)
          throw badParam('date', `must be a date YYYY-MM-DD, got ${JSON.stringify(date)}`);
        res.json(summary);
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

const digestDisabled = () =>
  new HttpProblem(
    404,
    'DIGESTS_DISABLED',
    'Digests disabled',
    'set AUDIT_DIGEST_KEY to sign and check digests',
  );
