import type {
  AccountClosed,
  AccountOpened,
  CloseAccount,
  CommandMetadata,
  DepositMoney,
  EventEnvelope,
  MoneyDeposited,
  MoneyWithdrawn,
  OpenAccount,
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

/** A deterministic, valid UUID (version 4 layout) for step n. */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function metadata(step: number, overrides: Partial<CommandMetadata> = {}): CommandMetadata {
  return {
    commandId: `cmd-${step}`,
    correlationId: `corr-${step}`,
    actor: ACTOR,
    occurredAt: T0 + step * 1_000,
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

/** Lets a test pass what the types forbid, as a JSON body might. */
export function unsafe<T>(value: unknown): T {
  return value as T;
}
