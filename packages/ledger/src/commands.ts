/**
 * Commands: requests to change one account. Everything decide needs comes in with the command,
 * so decide stays a pure function: the shell (apps/intake) supplies the clock reading, the ids of
 * the events it may produce, and who asked.
 */

/** Supplied by the shell, not by the end user; a malformed one throws LedgerUsageError. */
export interface CommandMetadata {
  /** Idempotency key of the command; copied into every event it produces. */
  readonly commandId: string;
  /** Ties the command, its events and its outcome together across services. */
  readonly correlationId: string;
  /** Who asked (authenticated user, service or operator id). */
  readonly actor: string;
  /** When the command was accepted for processing, epoch milliseconds; becomes the events' occurredAt. */
  readonly occurredAt: number;
  /**
   * UUIDs for the events the command may produce, used in order. Every command here produces at
   * most one event, so one id is enough; supply more and the rest are ignored.
   */
  readonly eventIds: readonly string[];
}

interface CommandBase<Type extends string> {
  readonly type: Type;
  readonly accountId: string;
  /**
   * Optimistic concurrency (HTTP If-Match): the account version the client last saw. 0 means
   * "the account does not exist yet". Omit it to act on whatever version is current.
   */
  readonly expectedVersion?: number | undefined;
  readonly metadata: CommandMetadata;
}

export interface OpenAccount extends CommandBase<'OpenAccount'> {
  readonly owner: string;
  /** ISO 4217 alphabetic code, upper case. */
  readonly currency: string;
  /** Minor units the balance may go below zero; defaults to 0 (no overdraft). */
  readonly overdraftLimit?: number | undefined;
}

export interface DepositMoney extends CommandBase<'DepositMoney'> {
  /** Positive integer of minor units, at most MAX_AMOUNT_MINOR. */
  readonly amount: number;
  /** Must equal the account's currency. */
  readonly currency: string;
}

export interface WithdrawMoney extends CommandBase<'WithdrawMoney'> {
  /** Positive integer of minor units, at most MAX_AMOUNT_MINOR. */
  readonly amount: number;
  /** Must equal the account's currency. */
  readonly currency: string;
}

export type CloseAccount = CommandBase<'CloseAccount'>;

export type AccountCommand = OpenAccount | DepositMoney | WithdrawMoney | CloseAccount;

export type AccountCommandType = AccountCommand['type'];

export const ACCOUNT_COMMAND_TYPES = [
  'OpenAccount',
  'DepositMoney',
  'WithdrawMoney',
  'CloseAccount',
] as const satisfies readonly AccountCommandType[];
