import {
  balanceChange,
  CorruptEventStreamError,
  evolve,
  type AccountEvent,
  type AccountState,
} from '@tally/ledger';

/**
 * The balances read model as a pure fold: one account row and one history row per event. The
 * shell (the projector) reads the current rows, calls projectEvent per event and stores the result
 * together with the consumed offsets. No I/O here.
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

export type Projected =
  | { readonly kind: 'applied'; readonly account: AccountRow; readonly history: HistoryRow }
  /** (accountId, version) is already applied: ignored. */
  | { readonly kind: 'duplicate' }
  /** Not the next version: the stream has a hole (or is out of order). */
  | { readonly kind: 'gap'; readonly expected: number; readonly got: number }
  /** The next version, but it does not fit the account (e.g. a deposit after close). */
  | { readonly kind: 'corrupt'; readonly reason: string; readonly message: string };

export function toState(row: AccountRow | undefined): AccountState {
  if (row === undefined) return { status: 'not-opened', version: 0 };
  const { closedAt, status, ...rest } = row;
  return status === 'closed'
    ? { ...rest, status, closedAt: closedAt ?? row.updatedAt }
    : { ...rest, status };
}

function toRow(state: AccountState): AccountRow {
  if (state.status === 'not-opened')
    throw new Error('an applied event always leaves an opened account');
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
  };
}

/** Folds one event onto the account's current row (undefined: no event applied yet). */
export function projectEvent(current: AccountRow | undefined, event: AccountEvent): Projected {
  const version = current?.version ?? 0;
  if (event.version <= version) return { kind: 'duplicate' };
  if (event.version !== version + 1)
    return { kind: 'gap', expected: version + 1, got: event.version };
  let next: AccountState;
  try {
    next = evolve(toState(current), event);
  } catch (error) {
    if (error instanceof CorruptEventStreamError) {
      return { kind: 'corrupt', reason: error.reason, message: error.message };
    }
    throw error;
  }
  const account = toRow(next);
  return {
    kind: 'applied',
    account,
    history: {
      accountId: account.accountId,
      version: account.version,
      eventId: event.eventId,
      eventType: event.type,
      amount: balanceChange(event),
      balanceAfter: account.balance,
      occurredAt: event.occurredAt,
    },
  };
}

/** The whole model from a list of events in topic order (tests, and the proof of replay). */
export function projectAll(events: Iterable<AccountEvent>): {
  accounts: Map<string, AccountRow>;
  history: HistoryRow[];
} {
  const accounts = new Map<string, AccountRow>();
  const history: HistoryRow[] = [];
  for (const event of events) {
    const result = projectEvent(accounts.get(event.accountId), event);
    if (result.kind === 'applied') {
      accounts.set(event.accountId, result.account);
      history.push(result.history);
    } else if (result.kind !== 'duplicate') {
      throw new Error(`cannot project ${event.accountId} v${event.version}: ${result.kind}`);
    }
  }
  return { accounts, history };
}

/** The fold of one account's events of a batch (`projectEvents`). */
export interface AccountFold {
  /** The row after the last applied event (the given row when none applied). */
  readonly account: AccountRow | undefined;
  /** One row per applied event, in order. */
  readonly history: HistoryRow[];
  readonly duplicates: number;
  /** The first event that is neither applied nor a duplicate; nothing after it was folded. */
  readonly failure?: {
    readonly index: number;
    readonly result: Extract<Projected, { kind: 'gap' | 'corrupt' }>;
  };
}

/**
 * Folds a run of events of ONE account onto its row, in order: the same results as calling
 * projectEvent event by event, but the state is converted once per run instead of once per event
 * (replay folds tens of events per account and batch). Pure: the input row is not touched.
 */
export function projectEvents(
  current: AccountRow | undefined,
  events: readonly AccountEvent[],
): AccountFold {
  let state = toState(current);
  const history: HistoryRow[] = [];
  let duplicates = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as AccountEvent;
    if (event.version <= state.version) {
      duplicates++;
      continue;
    }
    if (event.version !== state.version + 1) {
      const result = { kind: 'gap', expected: state.version + 1, got: event.version } as const;
      return { account: finalRow(current, state), history, duplicates, failure: { index, result } };
    }
    try {
      state = evolve(state, event);
    } catch (error) {
      if (!(error instanceof CorruptEventStreamError)) throw error;
      const result = { kind: 'corrupt', reason: error.reason, message: error.message } as const;
      return { account: finalRow(current, state), history, duplicates, failure: { index, result } };
    }
    history.push({
      accountId: event.accountId,
      version: event.version,
      eventId: event.eventId,
      eventType: event.type,
      amount: balanceChange(event),
      balanceAfter: state.status === 'not-opened' ? 0 : state.balance,
      occurredAt: event.occurredAt,
    });
  }
  return { account: finalRow(current, state), history, duplicates };
}

function finalRow(current: AccountRow | undefined, state: AccountState): AccountRow | undefined {
  return state.status === 'not-opened' || state.version === current?.version
    ? current
    : toRow(state);
}
