import {
  balanceChange,
  CorruptEventStreamError,
  evolve,
  type AccountEvent,
  type AccountState,
  type LiveHold,
  type UnsettledTransfer,
} from '@tally/ledger';

/**
 * The balances read model as a pure fold: one account row and one history row per event. The
 * shell (the projection) reads the current rows, folds a batch with `foldBatch` and stores the
 * result together with the consumed offsets. No I/O here.
 */

export interface AccountRow {
  readonly accountId: string;
  readonly owner: string;
  readonly currency: string;
  readonly overdraftLimit: number;
  /** Minor units. */
  readonly balance: number;
  readonly version: number;
  readonly status: 'open' | 'closed';
  /** Epoch milliseconds. */
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly closedAt: number | null;
  /** Reserved by live holds: the available balance is balance - held (ADR 0007). */
  readonly held: number;
  readonly holds: readonly LiveHold[];
  /** Sent by this account and not yet completed or reversed: money in flight from it. */
  readonly unsettled: number;
  readonly unsettledTransfers: readonly UnsettledTransfer[];
}

export interface HistoryRow {
  readonly accountId: string;
  readonly version: number;
  readonly eventId: string;
  readonly eventType: AccountEvent['type'];
  /** Signed change of the balance: + for a deposit, - for a withdrawal, 0 otherwise. */
  readonly amount: number;
  readonly balanceAfter: number;
  readonly occurredAt: number;
}

/** Why the fold stopped at an event: the partition halts there, nothing after it is applied. */
export interface FoldHalt {
  readonly offset: string;
  /** `version-gap`, or `corrupt:<reason>` for an event that does not fit its account. */
  readonly reason: string;
  readonly detail: string;
}

/** What a batch changed. */
export interface BatchFold {
  /** The final row of every account the batch changed. */
  readonly accounts: AccountRow[];
  /** One row per applied event, in offset order. */
  readonly history: HistoryRow[];
  /** Events whose (accountId, version) was applied before: ignored. */
  readonly duplicates: number;
  /** The first event that is neither the next version of its account nor a duplicate. */
  readonly halt?: FoldHalt;
}

export function toState(row: AccountRow | undefined): AccountState {
  if (row === undefined) return { status: 'not-opened', version: 0 };
  const { closedAt, status, ...rest } = row;
  return status === 'closed'
    ? { ...rest, status, closedAt: closedAt ?? row.updatedAt }
    : { ...rest, status };
}

function toRow(state: OpenedState): AccountRow {
  return {
    accountId: state.accountId,
    owner: state.owner,
    currency: state.currency,
    overdraftLimit: state.overdraftLimit,
    balance: state.balance,
    version: state.version,
    status: state.status,
    openedAt: state.openedAt,
    updatedAt: state.updatedAt,
    closedAt: state.status === 'closed' ? state.closedAt : null,
    held: state.held,
    holds: state.holds,
    unsettled: state.unsettled,
    unsettledTransfers: state.unsettledTransfers,
  };
}

type OpenedState = Exclude<AccountState, { status: 'not-opened' }>;

/**
 * THE fold: events in offset order onto the stored rows. Each account's row becomes a state once
 * per batch, however many of its events the batch holds (replay folds tens per account); the first
 * event that does not apply halts the fold at its offset. Pure: the given rows are not touched.
 */
export function foldBatch(
  stored: ReadonlyMap<string, AccountRow>,
  events: readonly { readonly offset: string; readonly event: AccountEvent }[],
): BatchFold {
  const states = new Map<string, AccountState>();
  const history: HistoryRow[] = [];
  let duplicates = 0;
  let halt: FoldHalt | undefined;
  for (const { offset, event } of events) {
    const state = states.get(event.accountId) ?? toState(stored.get(event.accountId));
    if (event.version <= state.version) {
      duplicates++;
      continue;
    }
    // Built only for a halt: a string per event was a visible share of replay's allocations.
    const where = () => `account ${event.accountId} version ${event.version}`;
    if (event.version !== state.version + 1) {
      halt = {
        offset,
        reason: 'version-gap',
        detail: `${where()}: expected version ${state.version + 1}`,
      };
      break;
    }
    let next: AccountState;
    try {
      next = evolve(state, event);
    } catch (error) {
      if (!(error instanceof CorruptEventStreamError)) throw error;
      halt = { offset, reason: `corrupt:${error.reason}`, detail: `${where()}: ${error.message}` };
      break;
    }
    states.set(event.accountId, next);
    history.push({
      accountId: event.accountId,
      version: event.version,
      eventId: event.eventId,
      eventType: event.type,
      amount: balanceChange(event),
      balanceAfter: next.status === 'not-opened' ? 0 : next.balance,
      occurredAt: event.occurredAt,
    });
  }
  const accounts: AccountRow[] = [];
  for (const state of states.values())
    if (state.status !== 'not-opened') accounts.push(toRow(state));
  return { accounts, history, duplicates, ...(halt ? { halt } : {}) };
}

/** The whole model from a list of events in topic order (tests, and the proof of replay). */
export function projectAll(events: readonly AccountEvent[]): {
  accounts: Map<string, AccountRow>;
  history: HistoryRow[];
} {
  const fold = foldBatch(
    new Map(),
    events.map((event, i) => ({ offset: String(i), event })),
  );
  if (fold.halt) throw new Error(`cannot project event ${fold.halt.offset}: ${fold.halt.detail}`);
  return { accounts: new Map(fold.accounts.map((a) => [a.accountId, a])), history: fold.history };
}
