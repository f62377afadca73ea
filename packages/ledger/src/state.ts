/**
 * The state of one account, derived by folding its events with evolve. Never stored as the truth.
 */

/** No event yet. `version` 0 is what expectedVersion must be to open the account. */
export interface UnopenedAccountState {
  readonly status: 'not-opened';
  readonly version: 0;
}

export interface OpenAccountState {
  readonly status: 'open';
  readonly accountId: string;
  readonly owner: string;
  readonly currency: string;
  /** Minor units; may be negative down to -overdraftLimit. */
  readonly balance: number;
  readonly overdraftLimit: number;
  /** Version of the last event applied. */
  readonly version: number;
  /** occurredAt of AccountOpened, epoch milliseconds. */
  readonly openedAt: number;
  /** occurredAt of the last event applied, epoch milliseconds. */
  readonly updatedAt: number;
}

/** Terminal: no command is accepted any more, and no event may follow AccountClosed. */
export interface ClosedAccountState extends Omit<OpenAccountState, 'status'> {
  readonly status: 'closed';
  /** occurredAt of AccountClosed, epoch milliseconds. */
  readonly closedAt: number;
}

export type AccountState = UnopenedAccountState | OpenAccountState | ClosedAccountState;

export type AccountStatus = AccountState['status'];

/** The state before the first event: fold every account's events from here. */
export const initialState: UnopenedAccountState = Object.freeze({
  status: 'not-opened',
  version: 0,
});
