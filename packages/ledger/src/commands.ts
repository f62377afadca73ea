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
   * UUIDs for the events the command may produce, used in order: `eventIdsNeeded(type)` of them
   * (one, or two for CaptureHold); supply more and the rest are ignored.
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

// Transfers (ADR 0007). The source's owner debits, the destination's owner credits or refuses,
// and the source's owner completes or reverses. Only TransferMoney comes from users.

/** Debits the source (`accountId`) and asks the destination to credit. */
export interface TransferMoney extends CommandBase<'TransferMoney'> {
  /** UUID; the id of this command (ADR 0007), so a re-decided step writes the same id. */
  readonly transferId: string;
  /** The destination account; another account than `accountId`. */
  readonly toAccountId: string;
  /** Positive integer of minor units, at most MAX_AMOUNT_MINOR. */
  readonly amount: number;
  /** Must equal the source account's currency. */
  readonly currency: string;
}

/** Issued by the source's owner with TransferDebited; decided on the destination (`accountId`). */
export interface CreditTransfer extends CommandBase<'CreditTransfer'> {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly amount: number;
  readonly currency: string;
}

/** Issued by the destination's owner with TransferCredited; decided on the source. */
export interface CompleteTransfer extends CommandBase<'CompleteTransfer'> {
  readonly transferId: string;
}

/** Issued by the destination's owner when it refuses the credit; decided on the source. */
export interface ReverseTransfer extends CommandBase<'ReverseTransfer'> {
  readonly transferId: string;
  /** The rejection code of the destination's refusal, e.g. ACCOUNT_CLOSED. */
  readonly reason: string;
}

// Holds (ADR 0007): money reserved on one account, then captured, released or expired.

export interface PlaceHold extends CommandBase<'PlaceHold'> {
  /** UUID; the id of this command (ADR 0007). */
  readonly holdId: string;
  /** Positive integer of minor units, at most MAX_AMOUNT_MINOR. */
  readonly amount: number;
  /** Must equal the account's currency. */
  readonly currency: string;
  /** Epoch ms; after the command's time and at most MAX_HOLD_DURATION_MS later. */
  readonly expiresAt: number;
}

/**
 * Takes up to the held amount and releases the rest: as a withdrawal, or, with `toAccountId`, as
 * a transfer whose id is `transferId`.
 */
export interface CaptureHold extends CommandBase<'CaptureHold'> {
  readonly holdId: string;
  /** Positive integer of minor units, at most the hold's amount. */
  readonly amount: number;
  /** Must equal the hold's (the account's) currency. */
  readonly currency: string;
  /** Capture as a transfer to this account; omit for a withdrawal. */
  readonly toAccountId?: string | undefined;
  /** UUID of the transfer; required with `toAccountId`, not allowed without. */
  readonly transferId?: string | undefined;
}

export interface ReleaseHold extends CommandBase<'ReleaseHold'> {
  readonly holdId: string;
}

/** Issued by the partition owner at or after the hold's expiresAt (by `metadata.occurredAt`). */
export interface ExpireHold extends CommandBase<'ExpireHold'> {
  readonly holdId: string;
}

export type AccountCommand =
  | OpenAccount
  | DepositMoney
  | WithdrawMoney
  | CloseAccount
  | TransferMoney
  | CreditTransfer
  | CompleteTransfer
  | ReverseTransfer
  | PlaceHold
  | CaptureHold
  | ReleaseHold
  | ExpireHold;

export type AccountCommandType = AccountCommand['type'];

export const ACCOUNT_COMMAND_TYPES = [
  'OpenAccount',
  'DepositMoney',
  'WithdrawMoney',
  'CloseAccount',
  'TransferMoney',
  'CreditTransfer',
  'CompleteTransfer',
  'ReverseTransfer',
  'PlaceHold',
  'CaptureHold',
  'ReleaseHold',
  'ExpireHold',
] as const satisfies readonly AccountCommandType[];

/** Commands only partition owners issue (ADR 0007); never accepted from HTTP. */
export const PROCESS_COMMAND_TYPES = [
  'CreditTransfer',
  'CompleteTransfer',
  'ReverseTransfer',
  'ExpireHold',
] as const satisfies readonly AccountCommandType[];

export type ProcessCommandType = (typeof PROCESS_COMMAND_TYPES)[number];

type WithoutMetadata<Command> = Command extends unknown
  ? Omit<Command, 'metadata' | 'expectedVersion'>
  : never;

/**
 * A command a decision asks another account to decide, written in the same transaction as the
 * decision's events (ADR 0007). The shell adds the metadata: command id from processCommandName,
 * the cause's correlationId and actor, its own clock, derived event ids.
 */
export type FollowUp = WithoutMetadata<CreditTransfer | CompleteTransfer | ReverseTransfer>;
