import express, { type Request } from 'express';
import type { Halt, PartitionLag } from '@tally/kafka';
import type { ProjectorMetrics } from './metrics.js';
import { badParam, ProblemError, problemMiddleware } from './http.js';
import { openApiDocument } from './openapi.js';
import type { AccountRow, HistoryRow } from './projection.js';
import type { ReadModelStore } from './store/types.js';

/** What the HTTP side needs to know of the running projector. */
export interface ProjectorStatus {
  halts(): readonly Halt[];
  lag(): readonly PartitionLag[];
  isRunning(): boolean;
}

export interface AppOptions {
  readonly store: ReadModelStore;
  readonly status?: ProjectorStatus;
  readonly metrics?: ProjectorMetrics;
  readonly minVersionWaitMs?: number;
  readonly readyMaxLag?: number;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function intParam(
  req: Request,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw))
    throw badParam(name, `must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max)
    throw badParam(name, `must be between ${min} and ${max}, got ${raw}`);
  return value;
}

function stringParam(req: Request, name: string): string | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw badParam(name, 'must be given once, as a string');
  return raw;
}

function asOfParam(req: Request): number | undefined {
  const raw = stringParam(req, 'asOf');
  if (raw === undefined) return undefined;
  const at = ISO_8601.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(at)) {
    throw badParam(
      'asOf',
      `must be an ISO-8601 date or date-time with offset, got ${JSON.stringify(raw)}`,
    );
  }
  return at;
}

const accountJson = (a: AccountRow) => ({
  accountId: a.accountId,
  owner: a.owner,
  currency: a.currency,
  balance: a.balance,
  overdraftLimit: a.overdraftLimit,
  version: a.version,
  status: a.status,
  openedAt: new Date(a.openedAt).toISOString(),
  updatedAt: new Date(a.updatedAt).toISOString(),
  closedAt: a.closedAt === null ? null : new Date(a.closedAt).toISOString(),
});

const historyJson = (h: HistoryRow) => ({
  version: h.version,
  eventId: h.eventId,
  type: h.eventType,
  amount: h.amount,
  balanceAfter: h.balanceAfter,
  occurredAt: new Date(h.occurredAt).toISOString(),
});

/** The query API, health and metrics; no listen (main.ts does that). */
export function createApp(options: AppOptions): express.Express {
  const { store } = options;
  const waitMs = options.minVersionWaitMs ?? 2_000;
  const app = express();
  app.disable('x-powered-by');

  /** The account, after waiting (bounded) for ?minVersion=N; 404 if unknown. */
  async function account(req: Request): Promise<AccountRow> {
    const id = String(req.params['id']);
    const minVersion = intParam(req, 'minVersion', 1, 2 ** 31 - 1);
    let row = await store.getAccount(id);
    if (minVersion !== undefined) {
      const deadline = Date.now() + waitMs;
      while (
        (row?.version ?? 0) < minVersion &&
        row?.status !== 'closed' &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        row = await store.getAccount(id);
      }
      const currentVersion = row?.version ?? 0;
      if (currentVersion < minVersion) {
        throw row?.status === 'closed'
          ? new ProblemError(
              409,
              'Conflict',
              `account ${id} is closed at version ${currentVersion}; version ${minVersion} will never exist`,
              { currentVersion },
            )
          : new ProblemError(
              504,
              'Gateway Timeout',
              `account ${id} is at version ${currentVersion}, not yet ${minVersion}, after ${waitMs} ms`,
              { currentVersion },
            );
      }
    }
    if (row === undefined) throw new ProblemError(404, 'Not Found', `account ${id} is unknown`);
    return row;
  }

  app.get('/accounts', async (req, res) => {
    const limit = intParam(req, 'limit', 1, 1000, 100) ?? 100;
    const page = await store.listAccounts(stringParam(req, 'after') ?? null, limit);
    res.json({ items: page.items.map(accountJson), next: page.next });
  });

  app.get('/accounts/:id', async (req, res) => {
    res.json(accountJson(await account(req)));
  });

  app.get('/accounts/:id/balance', async (req, res) => {
    const asOf = asOfParam(req);
    const a = await account(req);
    if (asOf === undefined) {
      res.json({
        accountId: a.accountId,
        balance: a.balance,
        currency: a.currency,
        version: a.version,
        asOf: null,
      });
      return;
    }
    const h = await store.balanceAsOf(a.accountId, asOf);
    if (h === undefined) {
      throw new ProblemError(
        404,
        'Not Found',
        `account ${a.accountId} did not exist at ${new Date(asOf).toISOString()}`,
      );
    }
    res.json({
      accountId: a.accountId,
      balance: h.balanceAfter,
      currency: a.currency,
      version: h.version,
      asOf: new Date(asOf).toISOString(),
      occurredAt: new Date(h.occurredAt).toISOString(),
    });
  });

  app.get('/accounts/:id/history', async (req, res) => {
    const limit = intParam(req, 'limit', 1, 1000, 100) ?? 100;
    const afterVersion = intParam(req, 'afterVersion', 0, 2 ** 31 - 1, 0) ?? 0;
    const a = await account(req);
    const page = await store.history(a.accountId, afterVersion, limit);
    res.json({ accountId: a.accountId, items: page.items.map(historyJson), next: page.next });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const reasons: string[] = [];
    await store
      .ping()
      .catch((error: unknown) => reasons.push(`store unreachable: ${String(error)}`));
    const status = options.status;
    if (status) {
      if (!status.isRunning()) reasons.push('consumer not running');
      for (const h of status.halts()) {
        reasons.push(
          `partition ${h.partition} halted at offset ${h.offset}: ${h.reason} (${h.detail})`,
        );
      }
      const lag = status.lag().reduce((sum, l) => sum + l.lag, 0);
      if (lag > (options.readyMaxLag ?? 10_000))
        reasons.push(`lag ${lag} above ${options.readyMaxLag}`);
    }
    res.status(reasons.length === 0 ? 200 : 503).json({
      status: reasons.length === 0 ? 'ready' : 'not-ready',
      reasons,
      halts: status?.halts() ?? [],
      lag: status?.lag() ?? [],
    });
  });

  app.get('/metrics', async (_req, res) => {
    if (!options.metrics) {
      res.status(404).end();
      return;
    }
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  app.use((req, _res, next) =>
    next(new ProblemError(404, 'Not Found', `no route ${req.method} ${req.path}`)),
  );
  app.use(problemMiddleware);
  return app;
}
