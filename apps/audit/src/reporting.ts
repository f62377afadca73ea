import { decodeOutcome } from '@tally/events';
import type { AccountEvent } from '@tally/ledger';
import {
  compareAccountIds,
  foldAuditedAccount,
  reconcileAccounts,
  ReconciliationTally,
  type AuditedAccount,
  type ProjectorHead,
  type ProjectorStateAt,
  type ReconciliationSummary,
} from './core/reconcile.js';
import {
  buildDailySummary,
  buildStatement,
  type AnomalyFacts,
  type AuditedEvent,
  type DailySummary,
  type Statement,
} from './core/reports.js';
import type { StatementVerification } from './core/statement-view.js';
import type { Day, Period } from './core/time.js';
import type { AuditStore } from './store/types.js';

/** The shell around the pure reports: reads the payloads from the store and folds them. */

const parseEvents = (payloads: readonly string[]) =>
  payloads.map((p) => JSON.parse(p) as AccountEvent);

/** Anomaly entries read for the reports; they are rare, and each one blocks readiness. */
const ANOMALY_SCAN_LIMIT = 100_000;

async function anomalyFacts(
  store: AuditStore,
): Promise<{ accountId: string | null; facts: AnomalyFacts }[]> {
  return (await store.anomalies(ANOMALY_SCAN_LIMIT)).map((entry) => ({
    accountId: entry.accountId,
    facts: { at: Number(entry.kafkaTimestamp), reason: entry.anomalyReason },
  }));
}

/** The account's events with the entry each comes from (chain and seq: what a proof names). */
async function accountEvents(store: AuditStore, accountId: string): Promise<AuditedEvent[]> {
  const events: AuditedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.accountEntries(accountId, after, 1_000);
    for (const entry of page.items) {
      if (entry.kind !== 'event' || entry.payload === null) continue;
      const event = JSON.parse(entry.payload) as AccountEvent;
      events.push({ ...event, entryRef: { chain: entry.chain, seq: entry.seq } });
    }
    if (page.next === null) return events;
    after = Number(page.next);
  }
}

export async function statementReport(
  store: AuditStore,
  accountId: string,
  period: Period,
): Promise<Statement | undefined> {
  const events = await accountEvents(store, accountId);
  if (events.length === 0) return undefined;
  return buildStatement(accountId, events, period);
}

/** The head of the chain holding the statement's entries, for its verification footer. */
export async function statementVerification(
  store: AuditStore,
  statement: Statement,
): Promise<{ verification?: StatementVerification }> {
  const chain = statement.lastEntry?.chain;
  const head = (await store.heads()).find((h) => h.chain === chain);
  return head
    ? { verification: { chain: head.chain, headSeq: head.seq, headHash: head.hash } }
    : {};
}

export async function dailyReport(store: AuditStore, day: Day): Promise<DailySummary> {
  const events = parseEvents(await store.eventPayloadsBetween(day.from, day.to));
  // Stored payloads are canonical JSON of outcomes that decoded; the one decoder reads them back.
  const outcomes = (await store.outcomePayloadsBetween(day.from, day.to)).map((p) =>
    decodeOutcome(Buffer.from(p, 'utf8')),
  );
  const anomalies = (await anomalyFacts(store)).map((a) => a.facts);
  return buildDailySummary(day, events, outcomes, anomalies);
}

/** Every account folded from the log, in account order (the log is read page by page). */
export async function auditedAccounts(
  store: AuditStore,
  pageSize = 10_000,
): Promise<AuditedAccount[]> {
  const byAccount = new Map<string, AccountEvent[]>();
  let after = 0;
  for (;;) {
    const page = await store.eventPayloadPage(after, pageSize);
    for (const row of page) {
      const event = JSON.parse(row.payload) as AccountEvent;
      let list = byAccount.get(event.accountId);
      if (list === undefined) byAccount.set(event.accountId, (list = []));
      list.push(event);
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]?.id ?? after;
  }
  const anomalies = new Map<string, number>();
  for (const { accountId } of await anomalyFacts(store)) {
    if (accountId !== null) anomalies.set(accountId, (anomalies.get(accountId) ?? 0) + 1);
  }
  const ids = [...new Set([...byAccount.keys(), ...anomalies.keys()])].sort(compareAccountIds);
  return ids.map((id) => foldAuditedAccount(id, byAccount.get(id) ?? [], anomalies.get(id) ?? 0));
}

export interface ReconciliationReport extends ReconciliationSummary {
  readonly projectorUrl: string;
  readonly durationMs: number;
}

export class ProjectorUnavailableError extends Error {
  readonly code = 'PROJECTOR_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ProjectorUnavailableError';
  }
}

const PROJECTOR_TIMEOUT_MS = 10_000;

async function projectorGet(base: string, path: string, query: Record<string, string> = {}) {
  const url = new URL(path, base);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(PROJECTOR_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ProjectorUnavailableError(`projector at ${base} did not answer: ${String(error)}`);
  }
  // 404: unknown; 504: still unknown after the projector's bounded wait for ?minVersion.
  if (response.status === 404 || response.status === 504) return undefined;
  if (!response.ok) {
    throw new ProjectorUnavailableError(
      `projector answered ${response.status} for ${url.pathname}`,
    );
  }
  return (await response.json()) as Record<string, unknown>;
}

function head(body: Record<string, unknown>): ProjectorHead {
  return {
    accountId: String(body['accountId']),
    version: Number(body['version']),
    balance: BigInt(String(body['balance'])),
    status: String(body['status']),
    currency: String(body['currency']),
  };
}

/** Every projector account, page by page (`GET /accounts`, sorted by account id, bytewise). */
async function* projectorAccounts(base: string): AsyncGenerator<ProjectorHead> {
  let after: string | null = null;
  do {
    const page = await projectorGet(base, '/accounts', {
      limit: '1000',
      ...(after === null ? {} : { after }),
    });
    for (const item of (page?.['items'] ?? []) as Record<string, unknown>[]) yield head(item);
    after = (page?.['next'] as string | null | undefined) ?? null;
  } while (after !== null);
}

/** The projector's history row at one version (`GET /accounts/:id/history`). */
async function projectorAt(
  base: string,
  accountId: string,
  version: number,
): Promise<ProjectorStateAt | undefined> {
  const page = await projectorGet(base, `/accounts/${encodeURIComponent(accountId)}/history`, {
    afterVersion: String(version - 1),
    limit: '1',
  });
  const row = ((page?.['items'] ?? []) as Record<string, unknown>[])[0];
  if (row === undefined) return undefined;
  return {
    version: Number(row['version']),
    balance: BigInt(String(row['balanceAfter'])),
    status: row['type'] === 'AccountClosed' ? 'closed' : 'open',
  };
}

/**
 * Both ways at the audited version (`core/reconcile.ts`): the audit's accounts and the
 * projector's, merged by account id; the projector's history answers for accounts it has moved
 * past the audited version. An account on one side only is read again on the other before it is
 * reported missing (it may have just arrived).
 */
export async function reconciliationReport(
  store: AuditStore,
  projectorUrl: string,
): Promise<ReconciliationReport> {
  const started = performance.now();
  const audited = await auditedAccounts(store);
  const tally = new ReconciliationTally();
  const results = reconcileAccounts(audited, projectorAccounts(projectorUrl), {
    projectorAt: (accountId, version) => projectorAt(projectorUrl, accountId, version),
    // A projector that has not reached the account yet gets its bounded wait (?minVersion=1).
    projectorAgain: async (accountId) => {
      const body = await projectorGet(projectorUrl, `/accounts/${encodeURIComponent(accountId)}`, {
        minVersion: '1',
      });
      return body === undefined ? undefined : head(body);
    },
    auditAgain: async (accountId) => {
      const events = parseEvents(await store.accountEventPayloads(accountId));
      return events.length === 0 ? undefined : foldAuditedAccount(accountId, events);
    },
  });
  for await (const result of results) tally.add(result);
  return {
    projectorUrl,
    ...tally.summary(),
    durationMs: Math.round(performance.now() - started),
  };
}
