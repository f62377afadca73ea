import type { Express, Request } from 'express';
import {
  badParam,
  createHttpApp,
  HttpProblem,
  intParam,
  stringParam,
  type Logger,
  type ReadinessCheck,
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
} from './reporting.js';
import type { AuditStore, StoredEntry } from './store/types.js';
import { verifyLog } from './verify.js';

export interface AuditAppOptions {
  readonly store: AuditStore;
  readonly logger: Logger;
  readonly metrics: AuditMetrics;
  readonly projectorUrl: string;
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
    readiness: options.readiness ?? [],
    routes: (app) => {
      app.get('/openapi.json', (_req, res) => {
        res.json(openApiDocument);
      });

      app.get('/audit/accounts/:id/entries', async (req, res) => {
        const accountId = String(req.params['id']);
        const limit = intParam(req, 'limit', { min: 1, max: 1_000, fallback: 100 });
        const after = intParam(req, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
        const page = await store.accountEntries(accountId, after, limit);
        res.json({ accountId, items: page.items.map(entryJson), next: page.next });
      });

      app.get('/audit/verify', async (_req, res) => {
        const report = await verifyLog(store);
        if (!report.ok) {
          metrics.verifyFailures.inc();
          logger.error({ failure: report.firstFailure }, 'audit log verification failed');
        }
        res.json(report);
      });

      app.get('/audit/anomalies', async (req, res) => {
        const limit = intParam(req, 'limit', { min: 1, max: 1_000, fallback: 100 });
        res.json({ items: (await store.anomalies(limit)).map(entryJson) });
      });

      app.post('/audit/digests', async (_req, res) => {
        if (options.digestKey === undefined) throw digestDisabled();
        const digest = signDigest(await store.heads(), clock(), options.digestKey);
        await store.saveDigest(digest);
        res.status(201).json(digest);
      });

      app.get('/audit/digests/latest', async (_req, res) => {
        const digest = await store.latestDigest();
        if (!digest)
          throw new HttpProblem(404, 'NO_DIGEST', 'No digest', 'no digest was signed yet');
        res.json(digest);
      });

      app.post('/audit/digests/check', async (req, res) => {
        if (options.digestKey === undefined) throw digestDisabled();
        const digest = req.body as Digest;
        if (typeof digest !== 'object' || digest === null || !Array.isArray(digest.chains)) {
          throw badParam('body', 'must be a digest as exported by POST /audit/digests');
        }
        res.json(await verifyLog(store, { digest, digestKey: options.digestKey }));
      });

      app.get('/reports/statement', async (req, res) => {
        const account = stringParam(req, 'account');
        if (!account) throw badParam('account', 'is required');
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

      app.get('/reports/daily', async (req, res) => {
        const date = stringParam(req, 'date');
        if (!date) throw badParam('date', 'is required (YYYY-MM-DD, UTC)');
        const summary = await dailyReport(store, date);
        if (!summary)
          throw badParam('date', `must be a date YYYY-MM-DD, got ${JSON.stringify(date)}`);
        res.json(summary);
      });

      app.get('/reports/reconciliation', async (_req, res) => {
        try {
          res.json(await reconciliationReport(store, options.projectorUrl));
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
