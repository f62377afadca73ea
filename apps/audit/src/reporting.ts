import { decodeOutcome } from '@tally/events';
import type { AccountEvent } from '@tally/ledger';
import type { AccessTokenSource } from '@tally/service';
import { ConservationCheck, type ConservationReport, type CutEvent } from './core/conservation.js';
import type { SignedDigest } from './core/signed-digest.js';
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
import type { Day, Period } from '@tally/service/time';
import { eventsByAccount, eventsByTransfer } from './store/streams.js';
import type { AuditStore, StoredEntry } from './store/types.js';

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

/**
 * What verifies the statement, for its footer: the head of the chain holding its entries and the
 * signed digest whose period holds its last entry, if one does yet.
 */
export async function statementVerification(
  store: AuditStore,
  statement: Statement,
): Promise<{ verification?: StatementVerification }> {
  const last = statement.lastEntry;
  const head = (await store.heads()).find((h) => h.chain === last?.chain);
  if (!head || !last) return {};
  const sequence = await store.digestCovering(last.chain, last.seq);
  const digest = sequence === undefined ? undefined : await store.signedDigest(sequence);
  return {
    verification: {
      chain: head.chain,
      headSeq: head.seq,
      headHash: head.hash,
      ...(digest
        ? {
            digest: {
              sequence: digest.sequence,
              keyId: digest.keyId,
              createdAt: digest.createdAt,
              merkleRoot: digest.merkle.root,
            },
          }
        : {}),
    },
  };
}

/** The cut at explicit next offsets of the events topic's partitions; others at their heads. */
export async function cutAtOffsets(
  store: AuditStore,
  topic: string,
  offsets: ReadonlyMap<number, string>,
): Promise<ConservationCut> {
  const heads = await store.headsWithOffsets();
  return {
    source: 'offsets',
    offsets: heads.map((h) => {
      const given = h.topic === topic ? offsets.get(h.partition) : undefined;
      return { chain: h.chain, nextOffset: given ?? h.nextOffset };
    }),
  };
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

/** Anomaly entries per account: folded into reconciliation as incomplete history. */
async function anomaliesByAccount(store: AuditStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { accountId } of await anomalyFacts(store)) {
    if (accountId !== null) counts.set(accountId, (counts.get(accountId) ?? 0) + 1);
  }
  return counts;
}

const eventsOf = (entries: readonly StoredEntry[]) =>
  entries.flatMap((e) => (e.payload === null ? [] : [JSON.parse(e.payload) as AccountEvent]));

/**
 * Every account folded from the log, in byte order of its id, one account at a time (the store
 * streams the entries sorted); accounts known only from anomaly entries are merged in.
 */
export async function* auditedAccounts(
  store: AuditStore,
  pageSize = 5_000,
): AsyncGenerator<AuditedAccount> {
  const anomalies = await anomaliesByAccount(store);
  const anomalyOnly = [...anomalies.keys()].sort(compareAccountIds);
  let next = 0;
  for await (const { key, entries } of eventsByAccount(store, pageSize)) {
    for (
      ;
      next < anomalyOnly.length && compareAccountIds(anomalyOnly[next] as string, key) < 0;
      next++
    ) {
      const id = anomalyOnly[next] as string;
      yield foldAuditedAccount(id, [], anomalies.get(id));
    }
    if (anomalyOnly[next] === key) next += 1;
    yield foldAuditedAccount(key, eventsOf(entries), anomalies.get(key) ?? 0);
  }
  for (; next < anomalyOnly.length; next++) {
    const id = anomalyOnly[next] as string;
    yield foldAuditedAccount(id, [], anomalies.get(id));
  }
}

export interface ReconciliationReport extends ReconciliationSummary {
  readonly projectorUrl: string;
  readonly durationMs: number;
}

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

/** How long one question to the projector may take (its ?minVersion wait is 2 s by default). */
const PROJECTOR_TIMEOUT_MS = 15_000;

async function projectorGet(
  projector: ProjectorClient,
  path: string,
  query: Record<string, string> = {},
) {
  const base = projector.url;
  const url = new URL(path, base);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
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
    response = await fetch(url, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(PROJECTOR_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ProjectorUnavailableError(`projector at ${base} did not answer: ${String(error)}`);
  }
  if (response.status === 401 || response.status === 403) {
    // Misconfiguration, not a mismatch: another issuer or audience, or a token without ledger:read.
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    throw new ProjectorUnavailableError(
      `projector at ${base} refused the audit service's token: ${response.status} ` +
        `${String(body['code'] ?? '')}: ${String(body['detail'] ?? '')}`,
    );
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
async function* projectorAccounts(projector: ProjectorClient): AsyncGenerator<ProjectorHead> {
  let after: string | null = null;
  do {
    const page = await projectorGet(projector, '/accounts', {
      limit: '1000',
      ...(after === null ? {} : { after }),
    });
    for (const item of (page?.['items'] ?? []) as Record<string, unknown>[]) yield head(item);
    after = (page?.['next'] as string | null | undefined) ?? null;
  } while (after !== null);
}

/** The projector's history row at one version (`GET /accounts/:id/history`). */
async function projectorAt(
  projector: ProjectorClient,
  accountId: string,
  version: number,
): Promise<ProjectorStateAt | undefined> {
  const page = await projectorGet(projector, `/accounts/${encodeURIComponent(accountId)}/history`, {
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
  projector: ProjectorClient,
): Promise<ReconciliationReport> {
  const started = performance.now();
  const audited = auditedAccounts(store);
  const tally = new ReconciliationTally();
  const results = reconcileAccounts(audited, projectorAccounts(projector), {
    projectorAt: (accountId, version) => projectorAt(projector, accountId, version),
    // A projector that has not reached the account yet gets its bounded wait (?minVersion=1).
    projectorAgain: async (accountId) => {
      const body = await projectorGet(projector, `/accounts/${encodeURIComponent(accountId)}`, {
        minVersion: '1',
      });
      return body === undefined ? undefined : head(body);
    },
    auditAgain: async (accountId) => {
      const events = await accountEvents(store, accountId);
      return events.length === 0 ? undefined : foldAuditedAccount(accountId, events);
    },
  });
  for await (const result of results) tally.add(result);
  return {
    projectorUrl: projector.url,
    ...tally.summary(),
    durationMs: Math.round(performance.now() - started),
  };
}

/** Where the log is cut for a conservation report: the entries below a next offset per chain. */
export interface ConservationCut {
  readonly source: 'heads' | 'digest' | 'offsets';
  /** The digest whose signed offsets make the cut (source `digest`). */
  readonly digest?: number;
  readonly offsets: readonly { readonly chain: string; readonly nextOffset: string }[];
}

export interface ConservationReportWithCut extends ConservationReport {
  readonly cut: ConservationCut;
  readonly durationMs: number;
}

const cutEvent = (entry: StoredEntry): CutEvent[] =>
  entry.payload === null
    ? []
    : [
        {
          event: JSON.parse(entry.payload) as AccountEvent,
          entryId: entry.id,
          chain: entry.chain,
          seq: entry.seq,
        },
      ];

/**
 * Conservation per currency at a cut (`core/conservation.ts`): every account's events below the
 * cut folded with the ledger's evolve, every transfer's events matched, both streamed from the
 * store in sorted order; a transfer's events beyond the cut close it.
 */
export async function conservationReport(
  store: AuditStore,
  cut: ConservationCut,
): Promise<ConservationReportWithCut> {
  const started = performance.now();
  const limits = new Map(cut.offsets.map((o) => [o.chain, BigInt(o.nextOffset)]));
  const inCut = (entry: StoredEntry) => {
    const limit = limits.get(entry.chain);
    return limit !== undefined && BigInt(entry.offset) < limit;
  };
  const check = new ConservationCheck();
  for await (const { key, entries } of eventsByAccount(store)) {
    check.addAccount(key, entries.filter(inCut).flatMap(cutEvent));
  }
  for await (const { key, entries } of eventsByTransfer(store)) {
    check.addTransfer(
      key,
      entries.filter(inCut).flatMap(cutEvent),
      entries.filter((e) => !inCut(e)).flatMap(cutEvent),
    );
  }
  return { cut, ...check.report(), durationMs: Math.round(performance.now() - started) };
}

/** The cut at the log's current heads (every chain's stored next offset). */
export async function cutAtHeads(store: AuditStore): Promise<ConservationCut> {
  const heads = await store.headsWithOffsets();
  return {
    source: 'heads',
    offsets: heads.map((h) => ({ chain: h.chain, nextOffset: h.nextOffset })),
  };
}

/** The cut a signed digest names: its signed next offset per chain. */
export function cutAtDigest(digest: SignedDigest): ConservationCut {
  return {
    source: 'digest',
    digest: digest.sequence,
    offsets: digest.heads.map((h) => ({ chain: h.chain, nextOffset: h.nextOffset })),
  };
}
