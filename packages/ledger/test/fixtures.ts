import type {
  AccountClosed,
  AccountOpened,
  CaptureHold,
  CloseAccount,
  CommandMetadata,
  CompleteTransfer,
  CreditTransfer,
  DepositMoney,
  EventEnvelope,
  ExpireHold,
  HoldCaptured,
  HoldExpired,
  HoldPlaced,
  HoldReleased,
  MoneyDeposited,
  MoneyWithdrawn,
  OpenAccount,
  PlaceHold,
  ReleaseHold,
  ReverseTransfer,
  TransferCompleted,
  TransferCredited,
  TransferDebited,
  TransferMoney,
  TransferReversed,
  WithdrawMoney,
} from '../src/index.js';

/**
 * Builders for tests. Convention: step n of a story is command n, which produces the event of
 * version n, so `given([opened(1), deposited(2, 500)]).when(withdraw(3, ...))
 * .then([withdrawn(3, ...)])` lines up ids, versions and times without noise.
 */

export const ACCOUNT_ID = 'acc-1';
export const OWNER = 'Ada Lovelace';
export const CURRENCY = 'EUR';
export const ACTOR = 'teller-7';
export const T0 = Date.UTC(2025, 0, 1, 9, 0, 0);
/** The other account of a transfer. */
export const OTHER_ID = 'acc-2';
export const TRANSFER_ID = '7a000000-0000-4000-8000-000000000001';
export const HOLD_ID = '40000000-0000-4000-8000-000000000001';
/** A hold placed at step n expires an hour after it. */
export const HOLD_DURATION = 3_600_000;

/** A deterministic, valid UUID (version 4 layout) for step n. */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function metadata(step: number, overrides: Partial<CommandMetadata> = {}): CommandMetadata {
  return {
    commandId: `cmd-${step}`,
    correlationId: `corr-${step}`,
    actor: ACTOR,
    occurredAt: at(step),
    eventIds: [uuid(step)],
    ...overrides,
  };
}

function envelope(version: number, accountId = ACCOUNT_ID): EventEnvelope {
  const meta = metadata(version);
  return {
    eventId: uuid(version),
    accountId,
    version,
    occurredAt: meta.occurredAt,
    commandId: meta.commandId,
    correlationId: meta.correlationId,
    actor: meta.actor,
  };
}

// Events

export function opened(version = 1, overrides: Partial<AccountOpened> = {}): AccountOpened {
  return {
    ...envelope(version),
    type: 'AccountOpened',
    owner: OWNER,
    currency: CURRENCY,
    overdraftLimit: 0,
    ...overrides,
  };
}

export function deposited(
  version: number,
  amount: number,
  overrides: Partial<MoneyDeposited> = {},
): MoneyDeposited {
  return { ...envelope(version), type: 'MoneyDeposited', amount, currency: CURRENCY, ...overrides };
}

export function withdrawn(
  version: number,
  amount: number,
  overrides: Partial<MoneyWithdrawn> = {},
): MoneyWithdrawn {
  return { ...envelope(version), type: 'MoneyWithdrawn', amount, currency: CURRENCY, ...overrides };
}

export function closed(version: number, overrides: Partial<AccountClosed> = {}): AccountClosed {
  return { ...envelope(version), type: 'AccountClosed', ...overrides };
}

// Commands

export function open(step = 1, overrides: Partial<OpenAccount> = {}): OpenAccount {
  return {
    type: 'OpenAccount',
    accountId: ACCOUNT_ID,
    owner: OWNER,
    currency: CURRENCY,
    metadata: metadata(step),
    ...overrides,
  };
}

export function deposit(step: number, overrides: Partial<DepositMoney> = {}): DepositMoney {
  return {
    type: 'DepositMoney',
    accountId: ACCOUNT_ID,
    amount: 100,
    currency: CURRENCY,
    metadata: metadata(step),
    ...overrides,
  };
}

export function withdraw(step: number, overrides: Partial<WithdrawMoney> = {}): WithdrawMoney {
  return {
    type: 'WithdrawMoney',
    accountId: ACCOUNT_ID,
    amount: 100,
    currency: CURRENCY,
    metadata: metadata(step),
    ...overrides,
  };
}

export function close(step: number, overrides: Partial<CloseAccount> = {}): CloseAccount {
  return { type: 'CloseAccount', accountId: ACCOUNT_ID, metadata: metadata(step), ...overrides };
}

// Transfers and holds (ADR 0007)

/** The time of step n: T0 + n seconds, the occurredAt of metadata(n). */
export function at(step: number): number {
  return T0 + step * 1_000;
}

/** Envelope overrides of the second event of the command of step n (a capture's movement). */
export function secondEvent(step: number): Partial<EventEnvelope> {
  return {
    eventId: uuid(10_000 + step),
    commandId: `cmd-${step}`,
    correlationId: `corr-${step}`,
    occurredAt: at(step),
  };
}

export function debited(
  version: number,
  amount: number,
  overrides: Partial<TransferDebited> = {},
): TransferDebited {
  return {
    ...envelope(version),
    type: 'TransferDebited',
    transferId: TRANSFER_ID,
    toAccountId: OTHER_ID,
    amount,
    currency: CURRENCY,
    ...overrides,
  };
}

export function credited(
  version: number,
  amount: number,
  overrides: Partial<TransferCredited> = {},
): TransferCredited {
  return {
    ...envelope(version),
    type: 'TransferCredited',
    transferId: TRANSFER_ID,
    fromAccountId: OTHER_ID,
    amount,
    currency: CURRENCY,
    ...overrides,
  };
}

export function completed(
  version: number,
  amount: number,
  overrides: Partial<TransferCompleted> = {},
): TransferCompleted {
  return {
    ...envelope(version),
    type: 'TransferCompleted',
    transferId: TRANSFER_ID,
    toAccountId: OTHER_ID,
    amount,
    currency: CURRENCY,
    ...overrides,
  };
}

export function reversed(
  version: number,
  amount: number,
  overrides: Partial<TransferReversed> = {},
): TransferReversed {
  return {
    ...envelope(version),
    type: 'TransferReversed',
    transferId: TRANSFER_ID,
    toAccountId: OTHER_ID,
    amount,
    currency: CURRENCY,
    reason: 'ACCOUNT_CLOSED',
    ...overrides,
  };
}

export function holdPlaced(
  version: number,
  amount: number,
  overrides: Partial<HoldPlaced> = {},
): HoldPlaced {
  return {
    ...envelope(version),
    type: 'HoldPlaced',
    holdId: HOLD_ID,
    amount,
    currency: CURRENCY,
    expiresAt: at(version) + HOLD_DURATION,
    ...overrides,
  };
}

export function holdCaptured(
  version: number,
  amount: number,
  releasedAmount: number,
  overrides: Partial<HoldCaptured> = {},
): HoldCaptured {
  return {
    ...envelope(version),
    type: 'HoldCaptured',
    holdId: HOLD_ID,
    amount,
    releasedAmount,
    currency: CURRENCY,
    ...overrides,
  };
}

export function holdReleased(
  version: number,
  amount: number,
  overrides: Partial<HoldReleased> = {},
): HoldReleased {
  return {
    ...envelope(version),
    type: 'HoldReleased',
    holdId: HOLD_ID,
    amount,
    currency: CURRENCY,
    ...overrides,
  };
}

export function holdExpired(
  version: number,
  amount: number,
  expiresAt: number,
  overrides: Partial<HoldExpired> = {},
): HoldExpired {
  return {
    ...envelope(version),
    type: 'HoldExpired',
    holdId: HOLD_ID,
    amount,
    currency: CURRENCY,
    expiresAt,
    ...overrides,
  };
}

export function transfer(step: number, overrides: Partial<TransferMoney> = {}): TransferMoney {
  return {
    type: 'TransferMoney',
    accountId: ACCOUNT_ID,
    transferId: TRANSFER_ID,
    toAccountId: OTHER_ID,
    amount: 100,
    currency: CURRENCY,
    metadata: metadata(step),
    ...overrides,
  };
}

export function credit(step: number, overrides: Partial<CreditTransfer> = {}): CreditTransfer {
  return {
    type: 'CreditTransfer',
    accountId: ACCOUNT_ID,
    transferId: TRANSFER_ID,
    fromAccountId: OTHER_ID,
    amount: 100,
    currency: CURRENCY,
    metadata: metadata(step),
    ...overrides,
  };
}

export function complete(
  step: number,
  overrides: Partial<CompleteTransfer> = {},
): CompleteTransfer {
  return {
    type: 'CompleteTransfer',
    accountId: ACCOUNT_ID,
    transferId: TRANSFER_ID,
    metadata: metadata(step),
    ...overrides,
  };
}

export function reverse(step: number, overrides: Partial<ReverseTransfer> = {}): ReverseTransfer {
  return {
    type: 'ReverseTransfer',
    accountId: ACCOUNT_ID,
    transferId: TRANSFER_ID,
    reason: 'ACCOUNT_CLOSED',
    metadata: metadata(step),
    ...overrides,
  };
}

export function placeHold(step: number, overrides: Partial<PlaceHold> = {}): PlaceHold {
  return {
    type: 'PlaceHold',
    accountId: ACCOUNT_ID,
    holdId: HOLD_ID,
    amount: 100,
    currency: CURRENCY,
    expiresAt: at(step) + HOLD_DURATION,
    metadata: metadata(step),
    ...overrides,
  };
}

/** A capture needs two event ids: the hold's end and the movement (secondEvent). */
export function capture(step: number, overrides: Partial<CaptureHold> = {}): CaptureHold {
  return {
    type: 'CaptureHold',
    accountId: ACCOUNT_ID,
    holdId: HOLD_ID,
    amount: 100,
    currency: CURRENCY,
    metadata: metadata(step, { eventIds: [uuid(step), uuid(10_000 + step)] }),
    ...overrides,
  };
}

export function release(step: number, overrides: Partial<ReleaseHold> = {}): ReleaseHold {
  return {
    type: 'ReleaseHold',
    accountId: ACCOUNT_ID,
    holdId: HOLD_ID,
    metadata: metadata(step),
    ...overrides,
  };
}

/** Expiry at a given time (the owner's clock), as step n otherwise. */
export function expire(step: number, now: number, overrides: Partial<ExpireHold> = {}): ExpireHold {
  return {
    type: 'ExpireHold',
    accountId: ACCOUNT_ID,
    holdId: HOLD_ID,
    metadata: metadata(step, { occurredAt: now }),
    ...overrides,
  };
}

/** Lets a test pass what the types forbid, as a JSON body might. */
export function unsafe<T>(value: unknown): T {
  return value as T;
}
