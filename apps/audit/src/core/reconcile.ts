import { balanceChange, type AccountEvent } from '@tally/ledger';
import {
  versionOrder,
  type AccountStatus,
  type VersionConflict,
  type VersionGap,
} from './reports.js';

/**
 * Reconciliation both ways, at one version per account. The audit log and the projector are read
 * as two streams sorted by account id and merged, so neither side is loaded whole; an account on
 * one side only is reported, whichever side it is.
 *
 * Under live traffic the two sides are at different versions of an account. Comparing the
 * audit's balance with the projector's current balance would report every busy account; instead
 * both are compared at the lower of the two versions: the projector's history gives its balance
 * after that version, the audit's fold gives its own. So a projector that is ahead never causes a
 * false mismatch, and one that is behind is compared as far as it got (and said so).
 */

/** One account as folded from the audit log alone. */
export interface AuditedAccount {
  readonly accountId: string;
  readonly currency: string | null;
  /** The highest version reached from version 1 without a gap (0: the opening is not there). */
  readonly version: number;
  /** Balance after versions 1..version: `balances[v - 1]`, minor units. */
  readonly balances: readonly bigint[];
  /** Version of AccountClosed, if folded. */
  readonly closedAtVersion: number | null;
  readonly gaps: readonly VersionGap[];
  readonly conflicts: readonly VersionConflict[];
  /** Anomaly entries keyed by this account (records that could not be decoded). */
  readonly anomalies: number;
}

/** Folds one account's events (any order) and anomaly count into its audited state. */
export function foldAuditedAccount(
  accountId: string,
  events: Iterable<AccountEvent>,
  anomalies = 0,
): AuditedAccount {
  const ordered = versionOrder(events, 'opening');
  const balances: bigint[] = [];
  let currency: string | null = null;
  let closedAtVersion: number | null = null;
  let balance = 0n;
  for (const event of ordered.events) {
    // Only the unbroken run from version 1, opened first, is a state the account really had.
    if (event.version !== balances.length + 1) break;
    if (event.version === 1 && event.type !== 'AccountOpened') break;
    if (event.type === 'AccountOpened') currency = event.currency;
    if (event.type === 'AccountClosed') closedAtVersion = event.version;
    balance += BigInt(balanceChange(event));
    balances.push(balance);
  }
  return {
    accountId,
    currency,
    version: balances.length,
    balances,
    closedAtVersion,
    gaps: ordered.gaps,
    conflicts: ordered.conflicts,
    anomalies,
  };
}

export function auditedStateAt(
  account: AuditedAccount,
  version: number,
): { balance: bigint; status: AccountStatus } {
  if (version < 1 || version > account.version) return { balance: 0n, status: 'not-opened' };
  return {
    balance: account.balances[version - 1] as bigint,
    status:
      account.closedAtVersion !== null && version >= account.closedAtVersion ? 'closed' : 'open',
  };
}

/** What the projector lists for an account now. */
export interface ProjectorHead {
  readonly accountId: string;
  readonly version: number;
  readonly balance: bigint | number;
  readonly status: string;
  readonly currency: string;
}

/** The projector's account after one version (a row of its balance history). */
export interface ProjectorStateAt {
  readonly version: number;
  readonly balance: bigint | number;
  readonly status: string;
}

export type ReconciliationKind =
  | 'match'
  | 'mismatch'
  | 'missing-in-projector'
  | 'missing-in-audit'
  /** The audit log itself has a gap, a conflicting version or an anomaly for this account. */
  | 'incomplete';

export interface Difference {
  readonly field: 'balance' | 'status' | 'currency' | 'history';
  readonly audit: string | null;
  readonly projector: string | null;
}

export interface AccountReconciliation {
  readonly accountId: string;
  readonly kind: ReconciliationKind;
  /** The version both sides were compared at, or null when they could not be. */
  readonly comparedAtVersion: number | null;
  readonly auditVersion: number | null;
  readonly projectorVersion: number | null;
  readonly differences: readonly Difference[];
  readonly notes: readonly string[];
}

function integrityNotes(audit: AuditedAccount): string[] {
  return [
    ...audit.gaps.map((g) => `audit log lacks versions ${g.expected}..${g.got - 1}`),
    ...audit.conflicts.map((c) => `two events claim version ${c.version} (${c.kept}, ${c.other})`),
    ...(audit.anomalies > 0
      ? [`${audit.anomalies} anomaly entr${audit.anomalies === 1 ? 'y' : 'ies'} for this account`]
      : []),
  ];
}

const text = (value: bigint | number | string | null) => (value === null ? null : String(value));

/**
 * Compares one account present on both sides at the lower of their versions. `stateAt` is the
 * projector's history row at that version; it is needed only when the projector is ahead.
 */
export function compareAt(
  audit: AuditedAccount,
  head: ProjectorHead,
  stateAt?: ProjectorStateAt,
): AccountReconciliation {
  const notes = integrityNotes(audit);
  const version = Math.min(audit.version, head.version);
  const base = {
    accountId: audit.accountId,
    auditVersion: audit.version,
    projectorVersion: head.version,
  };
  if (version === 0) {
    return {
      ...base,
      kind: 'incomplete',
      comparedAtVersion: null,
      differences: [],
      notes: [...notes, 'the audit log has no unbroken history from the opening to compare'],
    };
  }
  if (head.version > audit.version) {
    notes.push(
      `projector is ahead (version ${head.version}); compared at the audited version ${version}`,
    );
  } else if (head.version < audit.version) {
    notes.push(`projector is behind (version ${head.version}); compared at its version`);
  }
  const projected = head.version === version ? head : stateAt;
  const differences: Difference[] = [];
  if (projected === undefined || projected.version !== version) {
    differences.push({
      field: 'history',
      audit: String(version),
      projector: projected === undefined ? null : String(projected.version),
    });
  } else {
    const audited = auditedStateAt(audit, version);
    if (BigInt(projected.balance) !== audited.balance) {
      differences.push({
        field: 'balance',
        audit: text(audited.balance),
        projector: text(projected.balance),
      });
    }
    if (projected.status !== audited.status) {
      differences.push({ field: 'status', audit: audited.status, projector: projected.status });
    }
  }
  if (audit.currency !== null && head.currency !== audit.currency) {
    differences.push({ field: 'currency', audit: audit.currency, projector: head.currency });
  }
  return {
    ...base,
    kind: differences.length > 0 ? 'mismatch' : isIncomplete(audit) ? 'incomplete' : 'match',
    comparedAtVersion: version,
    differences,
    notes,
  };
}

const isIncomplete = (audit: AuditedAccount) =>
  audit.gaps.length > 0 || audit.conflicts.length > 0 || audit.anomalies > 0;

export function missingInProjector(audit: AuditedAccount): AccountReconciliation {
  const notes = integrityNotes(audit);
  return {
    accountId: audit.accountId,
    kind: audit.version === 0 ? 'incomplete' : 'missing-in-projector',
    comparedAtVersion: null,
    auditVersion: audit.version,
    projectorVersion: null,
    differences: [],
    notes:
      audit.version === 0 ? [...notes, 'the projector does not know the account either'] : notes,
  };
}

export function missingInAudit(head: ProjectorHead): AccountReconciliation {
  return {
    accountId: head.accountId,
    kind: 'missing-in-audit',
    comparedAtVersion: null,
    auditVersion: null,
    projectorVersion: head.version,
    differences: [],
    notes: [],
  };
}

/** Account ids in UTF-8 byte order: SQLite's BINARY collation and PostgreSQL's COLLATE "C". */
export function compareAccountIds(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class UnsortedInputError extends Error {
  readonly code = 'UNSORTED_INPUT';
  constructor(side: string, previous: string, next: string) {
    super(
      `${side} accounts are not in strictly increasing UTF-8 byte order: ${JSON.stringify(next)} after ${JSON.stringify(previous)}`,
    );
    this.name = 'UnsortedInputError';
  }
}

type Source<T> = AsyncIterable<T> | Iterable<T>;

async function* sorted<T extends { readonly accountId: string }>(
  side: string,
  source: Source<T>,
): AsyncGenerator<T> {
  let previous: string | undefined;
  for await (const item of source) {
    if (previous !== undefined && compareAccountIds(previous, item.accountId) >= 0) {
      throw new UnsortedInputError(side, previous, item.accountId);
    }
    previous = item.accountId;
    yield item;
  }
}

/** Where the two sides are read again: I/O belongs to the caller. */
export interface ReconcilePorts {
  /** The projector's account after exactly `version` (its history), if it has that version. */
  projectorAt(accountId: string, version: number): Promise<ProjectorStateAt | undefined>;
  /** Reads an account the audit stream did not have again (it may have arrived since). */
  auditAgain?(accountId: string): Promise<AuditedAccount | undefined>;
  /** Reads an account the projector stream did not have again (it may lag behind). */
  projectorAgain?(accountId: string): Promise<ProjectorHead | undefined>;
}

async function both(
  audit: AuditedAccount,
  head: ProjectorHead,
  ports: ReconcilePorts,
): Promise<AccountReconciliation> {
  const version = Math.min(audit.version, head.version);
  const needsHistory = version > 0 && head.version > version;
  return compareAt(
    audit,
    head,
    needsHistory ? await ports.projectorAt(audit.accountId, version) : undefined,
  );
}

/**
 * Merges the audit's accounts and the projector's accounts (each sorted by account id, UTF-8 byte
 * order) and yields one result per account on either side, in that order.
 */
export async function* reconcileAccounts(
  audit: Source<AuditedAccount>,
  projector: Source<ProjectorHead>,
  ports: ReconcilePorts,
): AsyncGenerator<AccountReconciliation> {
  const a = sorted('audit', audit)[Symbol.asyncIterator]();
  const p = sorted('projector', projector)[Symbol.asyncIterator]();
  let left = await a.next();
  let right = await p.next();
  while (!left.done || !right.done) {
    const order = left.done
      ? 1
      : right.done
        ? -1
        : compareAccountIds(left.value.accountId, right.value.accountId);
    if (order === 0 && !left.done && !right.done) {
      yield await both(left.value, right.value, ports);
      left = await a.next();
      right = await p.next();
    } else if (order < 0 && !left.done) {
      const late = await ports.projectorAgain?.(left.value.accountId);
      yield late ? await both(left.value, late, ports) : missingInProjector(left.value);
      left = await a.next();
    } else if (!right.done) {
      const late = await ports.auditAgain?.(right.value.accountId);
      yield late ? await both(late, right.value, ports) : missingInAudit(right.value);
      right = await p.next();
    }
  }
}

export interface ReconciliationSummary {
  readonly ok: boolean;
  readonly accounts: number;
  readonly counts: Record<ReconciliationKind, number>;
  /** Accounts compared below the audited version because the projector is behind. */
  readonly projectorBehind: number;
  /** Every result that is not a match, up to the limit, in account order. */
  readonly problems: readonly AccountReconciliation[];
  readonly problemsTruncated: boolean;
}

/** Counts results as they stream by and keeps the problems (bounded). */
export class ReconciliationTally {
  private accounts = 0;
  private behind = 0;
  private truncated = false;
  private readonly counts: Record<ReconciliationKind, number> = {
    match: 0,
    mismatch: 0,
    'missing-in-projector': 0,
    'missing-in-audit': 0,
    incomplete: 0,
  };
  private readonly problems: AccountReconciliation[] = [];

  constructor(private readonly maxProblems = 1_000) {}

  add(result: AccountReconciliation): void {
    this.accounts += 1;
    this.counts[result.kind] += 1;
    if (
      result.projectorVersion !== null &&
      result.auditVersion !== null &&
      result.projectorVersion < result.auditVersion
    ) {
      this.behind += 1;
    }
    if (result.kind === 'match') return;
    if (this.problems.length < this.maxProblems) this.problems.push(result);
    else this.truncated = true;
  }

  summary(): ReconciliationSummary {
    return {
      ok: this.accounts === this.counts.match,
      accounts: this.accounts,
      counts: { ...this.counts },
      projectorBehind: this.behind,
      problems: [...this.problems],
      problemsTruncated: this.truncated,
    };
  }
}
