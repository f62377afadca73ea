import { decodeOutcome } from '@tally/events';
import type { AccountEvent } from '@tally/ledger';
import type { AccessTokenSource } from '@tally/service';
import {
  buildDailySummary,
  buildStatement,
  dayPeriod,
  foldBalances,
  reconcile,
  type AuditedBalance,
  type DailySummary,
  type Mismatch,
  type Period,
  type ProjectedBalance,
  type Statement,
} from './core/reports.js';
import type { AuditStore } from './store/types.js';

/** The shell around the pure reports: reads the payloads from the store and folds them. */

const parseEvents = (payloads: readonly string[]) =>
  payloads.map((p) => JSON.parse(p) as AccountEvent);

export async function statementReport(
  store: AuditStore,
  accountId: string,
  period: Period,
): Promise<Statement | undefined> {
  const events = parseEvents(await store.accountEventPayloads(accountId));
  if (events.length === 0) return undefined;
  return buildStatement(accountId, events, period);
}

export async function dailyReport(
  store: AuditStore,
  date: string,
): Promise<DailySummary | undefined> {
  const period = dayPeriod(date);
  if (!period) return undefined;
  const events = parseEvents(await store.eventPayloadsBetween(period.from, period.to));
  // Stored payloads are canonical JSON of outcomes that decoded; the one decoder reads them back.
  const outcomes = (await store.outcomePayloadsBetween(period.from, period.to)).map((p) =>
    decodeOutcome(Buffer.from(p, 'utf8')),
  );
  const { anomalies } = await store.counts();
  return buildDailySummary(date, period, events, outcomes, anomalies);
}

/** Balances of every account, folded from the whole log page by page. */
export async function auditedBalances(
  store: AuditStore,
  pageSize = 10_000,
): Promise<Map<string, AuditedBalance>> {
  const events: AccountEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.eventPayloadPage(after, pageSize);
    for (const row of page) events.push(JSON.parse(row.payload) as AccountEvent);
    if (page.length < pageSize) break;
    after = page[page.length - 1]?.id ?? after;
  }
  return foldBalances(events);
}

export interface ReconciliationReport {
  readonly projectorUrl: string;
  readonly accounts: number;
  readonly mismatches: readonly Mismatch[];
  readonly ok: boolean;
  readonly durationMs: number;
}

/** How long one question to the projector may take. */
const PROJECTOR_TIMEOUT_MS = 15_000;

/** Where the projector answers, and the source of the audit service's own token for it. */
export interface ProjectorClient {
  readonly url: string;
  readonly tokens: AccessTokenSource;
}

export class ProjectorUnavailableError extends Error {
  readonly code = 'PROJECTOR_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ProjectorUnavailableError';
  }
}

/**
 * Asks the projector (`GET /accounts/:id?minVersion=<audited version>`, which waits a bounded time
 * for a lagging projector) about every account the audit log knows, and compares balance,
 * version, status and currency. A 404 is a missing account; a 504 or 409 means the projector is
 * at another version, reported with the version it gave.
 */
export async function reconciliationReport(
  store: AuditStore,
  projector: ProjectorClient,
  concurrency = 16,
): Promise<ReconciliationReport> {
  const started = performance.now();
  const audited = await auditedBalances(store);
  const projected = new Map<string, ProjectedBalance | undefined>();
  const queue = [...audited.values()];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      projected.set(next.accountId, await askProjector(projector, next));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const mismatches = reconcile(audited, projected);
  return {
    projectorUrl: projector.url,
    accounts: audited.size,
    mismatches,
    ok: mismatches.length === 0,
    durationMs: Math.round(performance.now() - started),
  };
}

async function askProjector(
  projector: ProjectorClient,
  audited: AuditedBalance,
): Promise<ProjectedBalance | undefined> {
  const base = projector.url;
  const url = new URL(`/accounts/${encodeURIComponent(audited.accountId)}`, base);
  url.searchParams.set('minVersion', String(audited.version));
  let token: string;
  try {
    // Cached by the source until shortly before it expires: one issue per report at most.
    token = await projector.tokens.token();
  } catch (error) {
    throw new ProjectorUnavailableError(
      `no token to call the projector at ${base}: ${(error as Error).message}`,
    );
  }
  let response: Response;
  try {
    // Bounded: the projector waits up to its minVersion limit (2 s by default), never forever.
    response = await fetch(url, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(PROJECTOR_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ProjectorUnavailableError(`projector at ${base} did not answer: ${String(error)}`);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 401 || response.status === 403) {
    // Misconfiguration, not a mismatch: another issuer or audience, or a token without ledger:read.
    throw new ProjectorUnavailableError(
      `projector at ${base} refused the audit service's token: ${response.status} ` +
        `${String(body['code'] ?? '')}: ${String(body['detail'] ?? '')}`,
    );
  }
  if (response.status === 404) return undefined;
  if (response.status === 504 || response.status === 409) {
    // At another version than the audit log; it gave its current version.
    return {
      balance: Number.NaN,
      version: Number(body['currentVersion'] ?? -1),
      status: 'unknown',
    };
  }
  if (!response.ok) {
    throw new ProjectorUnavailableError(
      `projector answered ${response.status} for ${url.pathname}`,
    );
  }
  return {
    balance: Number(body['balance']),
    version: Number(body['version']),
    status: String(body['status']),
    ...(typeof body['currency'] === 'string' ? { currency: body['currency'] } : {}),
  };
}
