import type { AccountEvent } from '@tally/ledger';

/**
 * Accounts that move money between them as ADR 0007 describes, written as the intake will write
 * them once it wires transfers: for conservation tests, with the events placed per account.
 *
 *   a (EUR): deposit 1000; T1 300 to b, credited and completed; T2 200 to c, reversed;
 *            T3 100 to b, still in flight
 *   b (EUR): T1's credit; a hold placed and released
 *   c (EUR): opened only
 *   j (JPY): deposit 5000, withdraw 1200
 *
 * Conserved: EUR balances 600 + 300 + 0 = 900, in flight 100, deposits 1000; JPY 3800 = 5000 - 1200.
 */
export function transferStory(prefix: string, at = Date.UTC(2026, 3, 1, 9)) {
  const ids = { a: `${prefix}-a`, b: `${prefix}-b`, c: `${prefix}-c`, j: `${prefix}-j` };
  const transfer = { t1: `${prefix}-t1`, t2: `${prefix}-t2`, t3: `${prefix}-t3` };
  const versions = new Map<string, number>();
  const env = (accountId: string) => {
    const version = (versions.get(accountId) ?? 0) + 1;
    versions.set(accountId, version);
    return {
      eventId: `${accountId}-v${version}`,
      accountId,
      version,
      occurredAt: at + versions.size * 1_000 + version,
      commandId: `${accountId}-cmd-${version}`,
      correlationId: `${accountId}-corr`,
      actor: 'conservation-test',
    };
  };
  const eur = { currency: 'EUR' };
  const open = (accountId: string, currency = 'EUR'): AccountEvent => ({
    type: 'AccountOpened',
    ...env(accountId),
    owner: 'Ada',
    currency,
    overdraftLimit: 0,
  });
  const a: AccountEvent[] = [
    open(ids.a),
    { type: 'MoneyDeposited', ...env(ids.a), amount: 1_000, ...eur },
    {
      type: 'TransferDebited',
      ...env(ids.a),
      transferId: transfer.t1,
      toAccountId: ids.b,
      amount: 300,
      ...eur,
    },
    {
      type: 'TransferCompleted',
      ...env(ids.a),
      transferId: transfer.t1,
      toAccountId: ids.b,
      amount: 300,
      ...eur,
    },
    {
      type: 'TransferDebited',
      ...env(ids.a),
      transferId: transfer.t2,
      toAccountId: ids.c,
      amount: 200,
      ...eur,
    },
    {
      type: 'TransferReversed',
      ...env(ids.a),
      transferId: transfer.t2,
      toAccountId: ids.c,
      amount: 200,
      ...eur,
      reason: 'ACCOUNT_CLOSED',
    },
    {
      type: 'TransferDebited',
      ...env(ids.a),
      transferId: transfer.t3,
      toAccountId: ids.b,
      amount: 100,
      ...eur,
    },
  ];
  const expiresAt = at + 86_400_000;
  const b: AccountEvent[] = [
    open(ids.b),
    {
      type: 'TransferCredited',
      ...env(ids.b),
      transferId: transfer.t1,
      fromAccountId: ids.a,
      amount: 300,
      ...eur,
    },
    { type: 'HoldPlaced', ...env(ids.b), holdId: `${prefix}-h1`, amount: 50, ...eur, expiresAt },
    { type: 'HoldReleased', ...env(ids.b), holdId: `${prefix}-h1`, amount: 50, ...eur },
  ];
  const c: AccountEvent[] = [open(ids.c)];
  const j: AccountEvent[] = [
    open(ids.j, 'JPY'),
    { type: 'MoneyDeposited', ...env(ids.j), amount: 5_000, currency: 'JPY' },
    { type: 'MoneyWithdrawn', ...env(ids.j), amount: 1_200, currency: 'JPY' },
  ];
  /** The next event of an account (for events a test adds later). */
  const next = (accountId: string) => env(accountId);
  /** A credit of a transfer from a to `to`, as the next event of `to`: what breaks a transfer. */
  const credit = (to: string, transferId: string, amount: number): AccountEvent => ({
    type: 'TransferCredited',
    ...env(to),
    transferId,
    fromAccountId: ids.a,
    amount,
    ...eur,
  });
  return { ids, transfer, a, b, c, j, next, credit };
}

/** What the conservation report says of the whole story: conserved in both currencies. */
export const STORY_CURRENCIES = [
  {
    currency: 'EUR',
    balances: '900',
    inFlight: '100',
    deposits: '1000',
    withdrawals: '0',
    difference: '0',
  },
  {
    currency: 'JPY',
    balances: '3800',
    inFlight: '0',
    deposits: '5000',
    withdrawals: '1200',
    difference: '0',
  },
];
