import type { Logger, ReadinessCheck, TokenVerifier } from '@tally/service';
import {
  authenticate,
  createHttpApp,
  HttpProblem,
  intParam,
  parsedParam,
  parseInstant,
  principalOf,
  requireAccount,
  requireAllAccounts,
  requireScope,
  SCOPES,
  stringParam,
} from '@tally/service';
import type { Express, Request } from 'express';
import type { CommitSignal } from './commit-signal.js';
import type { ProjectorMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import type { AccountRow, HistoryRow } from './projection.js';
import type { ReadModelStore } from './store/types.js';

export interface AppOptions {
  readonly store: ReadModelStore;
  readonly logger: Logger;
  readonly metrics: ProjectorMetrics;
  /** Verifies callers' bearer tokens; every query needs ledger:read. */
  readonly verifier: TokenVerifier;
  /** The read model's checks (consumers, halted partitions, lag); the store's is added here. */
  readonly readiness?: readonly ReadinessCheck[];
  readonly minVersionWaitMs?: number;
  /**
   * Commits of the read model running in this process: a `?minVersion=` wait wakes on them. Without
   * it (or for a commit by another instance) a wait reads the store again every FALLBACK_POLL_MS.
   */
  readonly commits?: CommitSignal;
}

/** How often a `?minVersion=` wait reads the store when no commit in this process woke it. */
const FALLBACK_POLL_MS = 20;
const SIGNALLED_FALLBACK_MS = 100;

/** `asOf`: the kit's strict time (an existing date, a date-time with an offset, or epoch ms). */
function asOfParam(req: Request): number | undefined {
  const raw = stringParam(req, 'asOf');
  return raw === undefined ? undefined : parsedParam(parseInstant('asOf', raw));
}

const accountNotFound = (detail: string) =>
  new HttpProblem(404, 'ACCOUNT_NOT_FOUND', 'Account not found', detail);

const accountJson = (a: AccountRow) => ({
  accountId: a.accountId,
  owner: a.owner,
  currency: a.currency,
  balance: a.balance,
  ...reservationsJson(a),
  overdraftLimit: a.overdraftLimit,
  version: a.version,
  status: a.status,
  openedAt: new Date(a.openedAt).toISOString(),
  updatedAt: new Date(a.updatedAt).toISOString(),
  closedAt: a.closedAt === null ? null : new Date(a.closedAt).toISOString(),
});

/**
 * What is reserved and what is in flight (ADR 0007): available = balance - held, what may leave
 * the account (plus its overdraft limit); the transfers it sent that are not yet settled.
 */
const reservationsJson = (a: AccountRow) => ({
  available: a.balance - a.held,
  held: a.held,
  holds: a.holds.map((h) => ({
    holdId: h.holdId,
    amount: h.amount,
    expiresAt: new Date(h.expiresAt).toISOString(),
  })),
  inFlight: a.unsettled,
  transfersInFlight: a.unsettledTransfers.map((t) => ({
    transferId: t.transferId,
    to: t.toAccountId,
    amount: t.amount,
    debitedAt: new Date(t.debitedAt).toISOString(),
  })),
});

const historyJson = (h: HistoryRow) => ({
  version: h.version,
  eventId: h.eventId,
  type: h.eventType,
  amount: h.amount,
  balanceAfter: h.balanceAfter,
  occurredAt: new Date(h.occurredAt).toISOString(),
});

/** The query API with the kit's health, readiness and metrics; no listen (main.ts does that). */
export function createApp(options: AppOptions): Express {
  const { store } = options;
  const waitMs = options.minVersionWaitMs ?? 2_000;

  /**
   * The account, after waiting (bounded) for ?minVersion=N; 404 if unknown. An account-limited
   * token is refused before the lookup, alike for accounts that exist and that do not.
   */
  async function account(req: Request): Promise<AccountRow> {
    const id = String(req.params['id']);
    requireAccount(principalOf(req), id);
    const minVersion = intParam(req, 'minVersion', { min: 1, max: 2 ** 31 - 1 });
    let row = await store.getAccount(id);
    if (minVersion !== undefined) {
      const deadline = Date.now() + waitMs;
      const reached = () => (row?.version ?? 0) >= minVersion || row?.status === 'closed';
      while (!reached() && Date.now() < deadline) {
        if (options.commits === undefined) {
          await new Promise((resolve) => setTimeout(resolve, FALLBACK_POLL_MS));
          row = await store.getAccount(id);
          continue;
        }
        // Watch first, then read: a commit between the two still wakes this wait.
        const wait = Math.max(1, Math.min(SIGNALLED_FALLBACK_MS, deadline - Date.now()));
        const watch = options.commits.watch(id, wait);
        row = await store.getAccount(id);
        if (reached()) watch.cancel();
        else await watch.changed;
      }
      // A wait that timed out answers with the version as of now.
      if (!reached()) row = await store.getAccount(id);
      const currentVersion = row?.version ?? 0;
      if (currentVersion < minVersion) {
        throw row?.status === 'closed'
          ? new HttpProblem(
              409,
              'ACCOUNT_CLOSED',
              'Account closed',
              `account ${id} is closed at version ${currentVersion}; version ${minVersion} will never exist`,
              { currentVersion },
            )
          : new HttpProblem(
              504,
              'VERSION_NOT_REACHED',
              'Version not reached',
              `account ${id} is at version ${currentVersion}, not yet ${minVersion}, after ${waitMs} ms`,
              { currentVersion },
            );
      }
    }
    if (row === undefined) throw accountNotFound(`account ${id} is unknown`);
    return row;
  }

  return createHttpApp({
    logger: options.logger,
    metrics: options.metrics.registry,
    readiness: [
      {
        name: 'store',
        check: async () => {
          await store.ping();
          return true as const;
        },
      },
      options.verifier.readiness,
      ...(options.readiness ?? []),
    ],
    routes: (app) => {
      app.get('/openapi.json', (_req, res) => {
        res.json(openApiDocument);
      });
      app.use(authenticate(options.verifier));
      const reader = requireScope(SCOPES.ledgerRead);

      app.get('/accounts', reader, async (req, res) => {
        requireAllAccounts(principalOf(req));
        const limit = intParam(req, 'limit', { min: 1, max: 1000, fallback: 100 });
        const page = await store.listAccounts(stringParam(req, 'after') ?? null, limit);
        res.json({ items: page.items.map(accountJson), next: page.next });
      });

      app.get('/accounts/:id', reader, async (req, res) => {
        res.json(accountJson(await account(req)));
      });

      app.get('/accounts/:id/balance', reader, async (req, res) => {
        const asOf = asOfParam(req);
        const a = await account(req);
        if (asOf === undefined) {
          res.json({
            accountId: a.accountId,
            balance: a.balance,
            available: a.balance - a.held,
            held: a.held,
            inFlight: a.unsettled,
            currency: a.currency,
            version: a.version,
            asOf: null,
          });
          return;
        }
        const h = await store.balanceAsOf(a.accountId, asOf);
        if (h === undefined) {
          throw accountNotFound(
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

      app.get('/accounts/:id/history', reader, async (req, res) => {
        const limit = intParam(req, 'limit', { min: 1, max: 1000, fallback: 100 });
        const afterVersion = intParam(req, 'afterVersion', {
          min: 0,
          max: 2 ** 31 - 1,
          fallback: 0,
        });
        const a = await account(req);
        const page = await store.history(a.accountId, afterVersion, limit);
        res.json({ accountId: a.accountId, items: page.items.map(historyJson), next: page.next });
      });
    },
  });
}
