import type { AccountRow, HistoryRow } from '../projection.js';
import type { Skip } from './types.js';

// The read model's rows as both stores hold them: column lists and the mapping back to rows
// (PostgreSQL returns bigints as numbers through its type parser, SQLite as numbers).

export interface AccountRecord {
  account_id: string;
  owner: string;
  currency: string;
  overdraft_limit: number;
  balance: number;
  version: number;
  status: 'open' | 'closed';
  opened_at: number;
  updated_at: number;
  closed_at: number | null;
  held: number;
  unsettled: number;
  /** JSON of the live holds and unsettled transfers (ADR 0007). */
  reservations: string;
}

export interface HistoryRecord {
  account_id: string;
  version: number;
  event_id: string;
  event_type: HistoryRow['eventType'];
  amount: number;
  balance_after: number;
  occurred_at: number;
}

export const toAccount = (r: AccountRecord): AccountRow => ({
  accountId: r.account_id,
  owner: r.owner,
  currency: r.currency,
  overdraftLimit: Number(r.overdraft_limit),
  balance: Number(r.balance),
  version: Number(r.version),
  status: r.status,
  openedAt: Number(r.opened_at),
  updatedAt: Number(r.updated_at),
  closedAt: r.closed_at === null ? null : Number(r.closed_at),
  held: Number(r.held),
  unsettled: Number(r.unsettled),
  ...(JSON.parse(r.reservations) as Pick<AccountRow, 'holds' | 'unsettledTransfers'>),
});

/** Rows written before transfers and holds have none: the columns' defaults. */
export const NO_RESERVATIONS = '{"holds":[],"unsettledTransfers":[]}';

export const reservationsOf = (a: AccountRow): string =>
  JSON.stringify({ holds: a.holds, unsettledTransfers: a.unsettledTransfers });

export const toHistory = (r: HistoryRecord): HistoryRow => ({
  accountId: r.account_id,
  version: Number(r.version),
  eventId: r.event_id,
  eventType: r.event_type,
  amount: Number(r.amount),
  balanceAfter: Number(r.balance_after),
  occurredAt: Number(r.occurred_at),
});

export const ACCOUNT_COLS =
  'account_id, owner, currency, overdraft_limit, balance, version, status, opened_at, updated_at, closed_at, held, unsettled, reservations';
export const HISTORY_COLS =
  'account_id, version, event_id, event_type, amount, balance_after, occurred_at';

export const SKIP_COLS = 'topic, partition, "offset", reason, operator, created_at';

/** A skip's values in the order of SKIP_COLS; now when it has no time yet. */
export const skipValues = (skip: Omit<Skip, 'createdAt'> & { createdAt?: number }) => [
  skip.topic,
  skip.partition,
  skip.offset,
  skip.reason,
  skip.operator,
  skip.createdAt ?? Date.now(),
];

export const toSkip = (r: Record<string, unknown>): Skip => ({
  topic: String(r['topic']),
  partition: Number(r['partition']),
  offset: String(r['offset']),
  reason: String(r['reason']),
  operator: String(r['operator']),
  createdAt: Number(r['created_at']),
});
