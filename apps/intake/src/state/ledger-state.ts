import { initialState, type AccountState } from '@tally/ledger';
import type { OutcomeRecord } from '@tally/events';
import type { PartitionStore, StateChange } from './partition-store.js';

/**
 * The intake's entry kinds in a partition store. Account states are kept for good; idempotency
 * records (the answer to a command id) for the idempotency window.
 */
export const ACCOUNT = 'account';
export const COMMAND = 'command';

/** What a retried command is answered with: the decisive part of its outcome. */
export type Reply = Pick<
  OutcomeRecord,
  | 'commandId'
  | 'accountId'
  | 'commandType'
  | 'requestHash'
  | 'outcome'
  | 'eventIds'
  | 'version'
  | 'balance'
  | 'currency'
  | 'held'
  | 'rejection'
  | 'decidedAt'
>;

export function replyOf(outcome: OutcomeRecord): Reply {
  const { commandId, accountId, commandType, requestHash, eventIds, version } = outcome;
  const { balance, currency, held, rejection, decidedAt } = outcome;
  return {
    commandId,
    accountId,
    commandType,
    requestHash,
    outcome: outcome.outcome,
    eventIds,
    version,
    balance,
    currency,
    ...(held === undefined ? {} : { held }),
    rejection,
    decidedAt,
  };
}

export function accountState(store: PartitionStore, accountId: string, now: number): AccountState {
  const entry = store.get(ACCOUNT, accountId, now);
  return entry === undefined ? initialState : parseAccountState(entry.value);
}

/**
 * An account state as stored. States written before transfers and holds (ADR 0007) have no
 * reservations: they read as none held and none unsettled, which is what they were.
 */
export function parseAccountState(value: string): AccountState {
  const state = JSON.parse(value) as AccountState;
  if (state.status === 'not-opened') return state;
  const {
    held = 0,
    holds = [],
    unsettled = 0,
    unsettledTransfers = [],
  } = state as Partial<Pick<typeof state, 'held' | 'holds' | 'unsettled' | 'unsettledTransfers'>>;
  return { ...state, held, holds, unsettled, unsettledTransfers };
}

export function accountChange(state: AccountState & { accountId: string }): StateChange {
  return { kind: ACCOUNT, key: state.accountId, value: JSON.stringify(state), expiresAt: null };
}

export function replyChange(reply: Reply, expiresAt: number): StateChange {
  return { kind: COMMAND, key: reply.commandId, value: JSON.stringify(reply), expiresAt };
}

export function decodeReply(value: Buffer): Reply {
  const reply = JSON.parse(value.toString('utf8')) as Partial<Reply>;
  if (typeof reply.commandId !== 'string' || typeof reply.outcome !== 'string') {
    throw new Error(`not a reply: ${value.toString('utf8').slice(0, 200)}`);
  }
  return reply as Reply;
}
