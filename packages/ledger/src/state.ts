/**
 * The state of one account, derived by folding its events with evolve. Never stored as the truth.
 */

/** No event yet. `version` 0 is what expectedVersion must be to open the account. */
export interface UnopenedAccountState {
  readonly status: 'not-opened';
  readonly version: 0;
}

/** A hold between HoldPlaced and its end. */
export interface LiveHold {
  readonly holdId: string;
  readonly amount: number;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** occurredAt of HoldPlaced, epoch ms. */
  readonly placedAt: number;
}

/** An outgoing transfer between TransferDebited and TransferCompleted or TransferReversed. */
export interface UnsettledTransfer {
  readonly transferId: string;
  readonly toAccountId: string;
  readonly amount: number;
  /** occurredAt of TransferDebited, epoch ms. */
  readonly debitedAt: number;
}

export interface OpenAccountState {
  readonly status: 'open';
  readonly accountId: string;
  readonly owner: string;
  readonly currency: string;
  /** Minor units; `balance - held` may go down to -overdraftLimit. */
  readonly balance: number;
  readonly overdraftLimit: number;
  /** Sum of the live holds' amounts: reserved, not available (ADR 0007). */
  readonly held: number;
  /** Holds placed and not yet captured, released or expired, in the order placed. */
  readonly holds: readonly LiveHold[];
  /** Sum of the unsettled transfers' amounts: room kept under the balance ceiling for reversals. */
  readonly unsettled: number;
  /** Transfers this account debited and not yet completed or reversed, in the order debited. */
  readonly unsettledTransfers: readonly UnsettledTransfer[];
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
