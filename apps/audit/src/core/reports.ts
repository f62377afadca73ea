import type { OutcomeRecord } from '@tally/events';
import { balanceChange, type AccountEvent } from '@tally/ledger';
import { addTo, currencyTotals, type CurrencyTotals, type Minor } from './money.js';
import type { Period } from '@tally/service/time';

/**
 * Reports as pure folds over audited events. Each account's events are folded in version order
 * (the order the ledger decided them), whatever order they arrived in. A repeated version with
 * the same event id is a duplicate delivery and counts once, as in the projector; a version that
 * skips ahead is a gap and a second, different event at a version is a conflict: both are
 * reported in every result, never papered over.
 *
 * Money is exact: BigInt sums of minor units, kept per currency (`./money.ts`).
 */

/** Where an event sits in the audit log, so one line can be proven (inclusion proof). */
export interface EntryRef {
  readonly chain: string;
  readonly seq: number;
}

/** An event as the reports read it: the decoded payload, and its entry when known. */
export type AuditedEvent = AccountEvent & { readonly entryRef?: EntryRef };

/** Versions `expected` .. `got - 1` of the account are not in the audit log. */
export interface VersionGap {
  readonly accountId: string;
  readonly expected: number;
  readonly got: number;
}

/** Two different events claim one version; the first in log order is the one folded. */
export interface VersionConflict {
  readonly accountId: string;
  readonly version: number;
  readonly kept: string;
  readonly other: string;
}

export interface VersionOrdered {
  /** Per account in version order, each version once; accounts in first-seen order. */
  readonly events: AuditedEvent[];
  readonly gaps: VersionGap[];
  readonly conflicts: VersionConflict[];
  /** Redelivered events dropped. */
  readonly duplicates: number;
}

/**
 * Groups events by account and sorts each account's events by version (stable: log order breaks
 * ties). With `from: 'opening'` an account's history must start at version 1; with
 * `from: 'first-seen'` (a slice of the log, such as one day) only holes between the versions seen
 * are gaps.
 */
export function versionOrder(
  events: Iterable<AuditedEvent>,
  from: 'opening' | 'first-seen' = 'opening',
): VersionOrdered {
  const byAccount = new Map<string, AuditedEvent[]>();
  for (const event of events) {
    let list = byAccount.get(event.accountId);
    if (list === undefined) byAccount.set(event.accountId, (list = []));
    list.push(event);
  }
  const ordered: AuditedEvent[] = [];
  const gaps: VersionGap[] = [];
  const conflicts: VersionConflict[] = [];
  let duplicates = 0;
  for (const [accountId, list] of byAccount) {
    list.sort((a, b) => a.version - b.version);
    let previous: AuditedEvent | undefined;
    for (const event of list) {
      if (previous !== undefined && event.version === previous.version) {
        if (event.eventId === previous.eventId) duplicates += 1;
        else
          conflicts.push({
            accountId,
            version: event.version,
            kept: previous.eventId,
            other: event.eventId,
          });
        continue;
      }
      const expected =
        previous === undefined ? (from === 'opening' ? 1 : event.version) : previous.version + 1;
      if (event.version !== expected) gaps.push({ accountId, expected, got: event.version });
      ordered.push(event);
      previous = event;
    }
  }
  return { events: ordered, gaps, conflicts, duplicates };
}

/** The other account of a transfer event, if the event is one. */
function counterparty(event: AccountEvent): string | null {
  if ('toAccountId' in event) return event.toAccountId;
  if ('fromAccountId' in event) return event.fromAccountId;
  return null;
}

/** A hold event as a statement shows it, or undefined for any other event. */
function holdLine(event: AuditedEvent): StatementHoldLine | undefined {
  const base = {
    occurredAt: event.occurredAt,
    version: event.version,
    eventId: event.eventId,
    ...(event.entryRef ? { entryRef: event.entryRef } : {}),
  };
  if (!('holdId' in event)) return undefined;
  return {
    ...base,
    type: event.type,
    holdId: event.holdId,
    amount: BigInt(event.amount),
    releasedAmount: event.type === 'HoldCaptured' ? BigInt(event.releasedAmount) : null,
    expiresAt: 'expiresAt' in event ? event.expiresAt : null,
  };
}

export interface StatementLine {
  readonly occurredAt: number;
  readonly version: number;
  readonly eventId: string;
  /** Any event that moves the balance: deposits, withdrawals, transfers out, in and back. */
  readonly type: AccountEvent['type'];
  /** The other account of a transfer, else null. */
  readonly counterparty: string | null;
  /** The hold whose capture made this movement (the capture's next event), else null. */
  readonly capturedHold: string | null;
  /** Signed minor units: + money in, - money out (the ledger's balanceChange). */
  readonly amount: Minor;
  /** Balance after the movement, minor units. */
  readonly balance: Minor;
  readonly entryRef?: EntryRef;
}

export type AccountStatus = 'not-opened' | 'open' | 'closed';

/** A hold event in the period: money reserved or let go, never moved by the hold itself. */
export interface StatementHoldLine {
  readonly occurredAt: number;
  readonly version: number;
  readonly eventId: string;
  readonly type: 'HoldPlaced' | 'HoldCaptured' | 'HoldReleased' | 'HoldExpired';
  readonly holdId: string;
  /** The hold's amount (placed, captured, released or expired), minor units. */
  readonly amount: Minor;
  /** For a capture: the part of the hold let go with it. */
  readonly releasedAmount: Minor | null;
  /** For a placement (and an expiry): when the hold lapses, epoch ms. */
  readonly expiresAt: number | null;
  readonly entryRef?: EntryRef;
}

/** A hold still reserving money at the close of the statement. */
export interface LiveHoldAtClose {
  readonly holdId: string;
  readonly amount: Minor;
  readonly expiresAt: number;
  readonly placedAt: number;
}

export interface Statement {
  readonly accountId: string;
  readonly currency: string | null;
  readonly owner: string | null;
  readonly from: number;
  readonly to: number;
  /** Balance after the events before the period, and the last version among them (0: none). */
  readonly openingBalance: Minor;
  readonly openingVersion: number;
  readonly movements: readonly StatementLine[];
  readonly closingBalance: Minor;
  readonly closingVersion: number;
  /** Sum of the movements into and out of the account in the period, minor units. */
  readonly totalIn: Minor;
  readonly totalOut: Minor;
  /** Holds placed, captured, released or expired in the period. */
  readonly holds: readonly StatementHoldLine[];
  /** Holds live at the close, their sum, and the closing balance less it. */
  readonly liveHoldsAtClose: readonly LiveHoldAtClose[];
  readonly heldAtClose: Minor;
  readonly availableAtClose: Minor;
  /** Account status at the end of the period. */
  readonly status: AccountStatus;
  /** occurredAt of AccountClosed when it is within the statement. */
  readonly closedAt: number | null;
  /** The entry of the last event folded (the one the closing balance rests on). */
  readonly lastEntry: EntryRef | null;
  readonly gaps: readonly VersionGap[];
  readonly conflicts: readonly VersionConflict[];
}

/**
 * Statement of one account for a period, from all of its events (any time, any order).
 *
 * Periods cut the version order, not the clock: the intake stamps `occurredAt` when it receives a
 * command, so a later version can carry an earlier time. A bound T cuts after the highest version
 * that occurred before T. Opening is the balance at the cut of `from`, closing at the cut of
 * `to`, and the movements are the versions in between, so opening + movements = closing always
 * holds and every balance shown is one the account really had.
 */
export function buildStatement(
  accountId: string,
  events: Iterable<AuditedEvent>,
  period: Period,
): Statement {
  const ordered = versionOrder(
    [...events].filter((event) => event.accountId === accountId),
    'opening',
  );
  let openingVersion = 0;
  let closingVersion = 0;
  for (const event of ordered.events) {
    if (event.occurredAt < period.from) openingVersion = Math.max(openingVersion, event.version);
    if (event.occurredAt < period.to) closingVersion = Math.max(closingVersion, event.version);
  }
  let balance = 0n;
  let opening = 0n;
  let currency: string | null = null;
  let owner: string | null = null;
  let status: AccountStatus = 'not-opened';
  let closedAt: number | null = null;
  let moneyIn = 0n;
  let moneyOut = 0n;
  let lastEntry: EntryRef | null = null;
  const movements: StatementLine[] = [];
  const holds: StatementHoldLine[] = [];
  const live = new Map<string, LiveHoldAtClose>();
  let capture: { version: number; commandId: string; holdId: string } | undefined;
  for (const event of ordered.events) {
    if (event.version > closingVersion) break;
    if (event.type === 'AccountOpened') {
      currency = event.currency;
      owner = event.owner;
      status = 'open';
    } else if (event.type === 'AccountClosed') {
      status = 'closed';
      closedAt = event.occurredAt;
    }
    const amount = BigInt(balanceChange(event));
    balance += amount;
    lastEntry = event.entryRef ?? null;
    const hold = holdLine(event);
    if (event.type === 'HoldPlaced') {
      live.set(event.holdId, {
        holdId: event.holdId,
        amount: BigInt(event.amount),
        expiresAt: event.expiresAt,
        placedAt: event.occurredAt,
      });
    } else if (hold !== undefined) {
      live.delete(hold.holdId);
    }
    // A capture's money moves in the next event of the same decision.
    const capturedHold =
      capture !== undefined &&
      capture.version + 1 === event.version &&
      capture.commandId === event.commandId
        ? capture.holdId
        : null;
    capture =
      event.type === 'HoldCaptured'
        ? { version: event.version, commandId: event.commandId, holdId: event.holdId }
        : undefined;
    if (event.version <= openingVersion) {
      opening = balance;
    } else if (amount !== 0n) {
      if (amount > 0n) moneyIn += amount;
      else moneyOut -= amount;
      movements.push({
        occurredAt: event.occurredAt,
        version: event.version,
        eventId: event.eventId,
        type: event.type,
        counterparty: counterparty(event),
        capturedHold,
        amount,
        balance,
        ...(event.entryRef ? { entryRef: event.entryRef } : {}),
      });
    } else if (hold !== undefined) {
      holds.push(hold);
    }
  }
  const liveHoldsAtClose = [...live.values()];
  const heldAtClose = liveHoldsAtClose.reduce((sum, h) => sum + h.amount, 0n);
  return {
    accountId,
    currency,
    owner,
    from: period.from,
    to: period.to,
    openingBalance: opening,
    openingVersion,
    movements,
    closingBalance: balance,
    closingVersion,
    totalIn: moneyIn,
    totalOut: moneyOut,
    holds,
    liveHoldsAtClose,
    heldAtClose,
    availableAtClose: balance - heldAtClose,
    status,
    closedAt,
    lastEntry,
    gaps: ordered.gaps,
    conflicts: ordered.conflicts,
  };
}

/**
 * The fields of a command outcome (the OutcomeRecord contract of @tally/events) the daily summary
 * reads; any code counts, also one this version does not know.
 */
export type OutcomeFacts = Pick<OutcomeRecord, 'outcome' | 'decidedAt'> & {
  readonly rejection: { readonly code: string } | null;
};

/** An anomaly entry as the daily summary counts it: dated by its Kafka timestamp. */
export interface AnomalyFacts {
  readonly at: number;
  readonly reason: string | null;
}

export interface DailySummary {
  readonly date: string;
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly accounts: number;
  /** Count and sum of `amount` per currency (minor units) for each event type. */
  readonly byType: Record<string, { count: number; byCurrency: CurrencyTotals }>;
  /** Sum of balance changes per currency (money in minus money out; holds move none). */
  readonly netByCurrency: CurrencyTotals;
  readonly outcomes: { accepted: number; rejected: number };
  readonly refusedByCode: Record<string, number>;
  /** Anomaly entries whose record was written to Kafka that day. */
  readonly anomalies: { count: number; byReason: Record<string, number> };
  /**
   * Holes between the versions of one account that occurred that day. Either the versions are
   * missing from the log, or they carry a time outside the day (see buildStatement): the
   * account's statement tells which.
   */
  readonly gaps: readonly VersionGap[];
  readonly conflicts: readonly VersionConflict[];
}

/** Activity of one day: events by occurredAt, outcomes by decidedAt, anomalies by Kafka time. */
export function buildDailySummary(
  day: Period & { readonly date: string },
  events: Iterable<AuditedEvent>,
  outcomes: Iterable<OutcomeFacts>,
  anomalies: Iterable<AnomalyFacts>,
): DailySummary {
  const within = (at: number) => at >= day.from && at < day.to;
  const ordered = versionOrder(
    [...events].filter((event) => within(event.occurredAt)),
    'first-seen',
  );
  const byType: DailySummary['byType'] = Object.create(null) as DailySummary['byType'];
  const netByCurrency = currencyTotals();
  const accounts = new Set<string>();
  for (const event of ordered.events) {
    accounts.add(event.accountId);
    const slot = (byType[event.type] ??= { count: 0, byCurrency: currencyTotals() });
    slot.count += 1;
    if ('amount' in event) {
      addTo(slot.byCurrency, event.currency, event.amount);
      addTo(netByCurrency, event.currency, balanceChange(event));
    }
  }
  const result = { accepted: 0, rejected: 0 };
  const refusedByCode: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const outcome of outcomes) {
    if (!within(outcome.decidedAt)) continue;
    result[outcome.outcome] += 1;
    if (outcome.outcome === 'rejected') {
      const code = outcome.rejection?.code ?? 'UNKNOWN';
      refusedByCode[code] = (refusedByCode[code] ?? 0) + 1;
    }
  }
  let anomalyCount = 0;
  const byReason: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const anomaly of anomalies) {
    if (!within(anomaly.at)) continue;
    anomalyCount += 1;
    const reason = anomaly.reason ?? 'UNKNOWN';
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  }
  return {
    date: day.date,
    from: day.from,
    to: day.to,
    events: ordered.events.length,
    accounts: accounts.size,
    byType,
    netByCurrency,
    outcomes: result,
    refusedByCode,
    anomalies: { count: anomalyCount, byReason },
    gaps: ordered.gaps,
    conflicts: ordered.conflicts,
  };
}
