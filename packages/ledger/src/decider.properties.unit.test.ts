import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ID, OWNER, metadata } from '../test/fixtures.js';
import type { AccountCommand } from './commands.js';
import { decide } from './decide.js';
import { REJECTION_CODES } from './decision.js';
import type { AccountEvent } from './events.js';
import { evolve, foldEvents } from './evolve.js';
import {
  MAX_AMOUNT_MINOR,
  MAX_BALANCE_MINOR,
  MAX_OVERDRAFT_LIMIT_MINOR,
  isValidAmount,
} from './money.js';
import { initialState, type AccountState } from './state.js';

/**
 * Properties over random command sequences for one account. Commands carry no metadata in the
 * generators; step i gets metadata(i), so every accepted event has a fresh id.
 */

type Spec =
  | { type: 'OpenAccount'; currency: string; overdraftLimit?: number; expectedVersion?: number }
  | {
      type: 'DepositMoney' | 'WithdrawMoney';
      amount: number;
      currency: string;
      expectedVersion?: number;
    }
  | { type: 'CloseAccount'; expectedVersion?: number };

const validAmount = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 10_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: MAX_AMOUNT_MINOR }) },
  { weight: 1, arbitrary: fc.constant(MAX_AMOUNT_MINOR) },
);
const invalidAmount = fc.constantFrom(0, -1, -10_000, 1.5, MAX_AMOUNT_MINOR + 1, NaN, Infinity);
const amount = fc.oneof(
  { weight: 9, arbitrary: validAmount },
  { weight: 1, arbitrary: invalidAmount },
);
const currency = fc.oneof(
  { weight: 8, arbitrary: fc.constant('EUR') },
  { weight: 1, arbitrary: fc.constantFrom('USD', 'JPY') },
  { weight: 1, arbitrary: fc.constantFrom('eur', 'XAU', '') },
);
const overdraftLimit = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: MAX_OVERDRAFT_LIMIT_MINOR }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, MAX_OVERDRAFT_LIMIT_MINOR + 1) },
);
const expectedVersion = fc.option(fc.integer({ min: -1, max: 30 }), { freq: 4, nil: undefined });

function withOptional<T extends object>(spec: T, optional: Record<string, unknown>): T {
  const result: Record<string, unknown> = { ...(spec as Record<string, unknown>) };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) result[key] = value;
  return result as T;
}

const openSpec: fc.Arbitrary<Spec> = fc
  .record({
    currency,
    overdraftLimit: fc.option(overdraftLimit, { nil: undefined }),
    expectedVersion,
  })
  .map(({ currency, overdraftLimit, expectedVersion }) =>
    withOptional({ type: 'OpenAccount' as const, currency }, { overdraftLimit, expectedVersion }),
  );
const movementSpec: fc.Arbitrary<Spec> = fc
  .record({
    type: fc.constantFrom('DepositMoney' as const, 'WithdrawMoney' as const),
    amount,
    currency,
    expectedVersion,
  })
  .map(({ expectedVersion, ...spec }) => withOptional(spec, { expectedVersion }));
const closeSpec: fc.Arbitrary<Spec> = expectedVersion.map((expectedVersion) =>
  withOptional({ type: 'CloseAccount' as const }, { expectedVersion }),
);

const anySpec = fc.oneof(
  { weight: 1, arbitrary: openSpec },
  { weight: 18, arbitrary: movementSpec },
  { weight: 1, arbitrary: closeSpec },
);

/** Mostly an opening first, then anything. */
const story = fc
  .tuple(
    fc.option(openSpec, { freq: 8, nil: undefined }),
    fc.array(anySpec, { maxLength: 80, size: 'medium' }),
  )
  .map(([first, rest]) => (first ? [first, ...rest] : rest));

/** An opening with an overdraft, then large movements, mostly deposits: reaches the limits. */
const largeStory: fc.Arbitrary<Spec[]> = fc
  .array(
    fc.record({
      type: fc.oneof(
        { weight: 4, arbitrary: fc.constant('DepositMoney' as const) },
        { weight: 1, arbitrary: fc.constant('WithdrawMoney' as const) },
      ),
      amount: fc.integer({ min: MAX_AMOUNT_MINOR / 2, max: MAX_AMOUNT_MINOR }),
      currency: fc.constant('EUR'),
    }),
    { minLength: 10, maxLength: 40 },
  )
  .map((movements) => [
    { type: 'OpenAccount', currency: 'EUR', overdraftLimit: MAX_AMOUNT_MINOR } as const,
    ...movements,
  ]);

/** Picks an amount: mostly within 2 of a boundary (given when the state is known), else any. */
const nearOrAny: fc.Arbitrary<(boundary: number) => number> = fc.oneof(
  fc.integer({ min: -2, max: 2 }).map((delta) => (boundary: number) => boundary + delta),
  validAmount.map((amount) => () => amount),
);

function toCommand(spec: Spec, step: number): AccountCommand {
  const base = { accountId: ACCOUNT_ID, metadata: metadata(step) };
  return spec.type === 'OpenAccount'
    ? { ...base, owner: OWNER, ...spec }
    : ({ ...base, ...spec } as AccountCommand);
}

interface Run {
  state: AccountState;
  events: AccountEvent[];
  deposits: number;
  withdrawals: number;
}

/** Runs a story through decide and evolve, checking the per-step properties on the way. */
function play(specs: readonly Spec[]): Run {
  const run: Run = { state: initialState, events: [], deposits: 0, withdrawals: 0 };
  specs.forEach((spec, index) => {
    const command = toCommand(spec, index + 1);
    const before = run.state;
    const decision = decide(before, command);
    expect(decide(before, command)).toEqual(decision);
    if (decision.outcome === 'rejected') {
      // Rejected commands produce no events, with a known code and a message.
      expect(decision).not.toHaveProperty('events');
      expect(REJECTION_CODES).toContain(decision.rejection.code);
      expect(decision.rejection.message).not.toBe('');
      return;
    }
    expect(decision.events.length).toBeGreaterThan(0);
    for (const event of decision.events) {
      expect(event.eventId).toBe(command.metadata.eventIds[0]);
      expect(event.accountId).toBe(ACCOUNT_ID);
      run.state = evolve(run.state, event);
      run.events.push(event);
      if (event.type === 'MoneyDeposited') run.deposits += event.amount;
      if (event.type === 'MoneyWithdrawn') run.withdrawals += event.amount;
      if (run.state.status !== 'not-opened') {
        expect(run.state.balance).toBeGreaterThanOrEqual(-run.state.overdraftLimit);
        expect(run.state.balance).toBeLessThanOrEqual(MAX_BALANCE_MINOR);
        expect(Number.isSafeInteger(run.state.balance)).toBe(true);
      }
    }
  });
  return run;
}

describe('decider properties', () => {
  it('keeps the ledger consistent for any command sequence', () => {
    fc.assert(
      fc.property(story, (specs) => {
        const { state, events, deposits, withdrawals } = play(specs);
        // Versions are 1..n without gaps.
        expect(events.map((event) => event.version)).toEqual(events.map((_, i) => i + 1));
        expect(state.version).toBe(events.length);
        if (state.status === 'not-opened') {
          expect(events).toEqual([]);
        } else {
          // Balance = accepted deposits - accepted withdrawals.
          expect(state.balance).toBe(deposits - withdrawals);
          expect(state.balance).toBeGreaterThanOrEqual(-state.overdraftLimit);
        }
        // Replay from scratch, also after a JSON round trip, gives the same state.
        expect(foldEvents(events)).toEqual(state);
        expect(foldEvents(JSON.parse(JSON.stringify(events)) as AccountEvent[])).toEqual(state);
      }),
      { numRuns: 400 },
    );
  });

  it('never lets the balance pass MAX_BALANCE_MINOR, however large the deposits', () => {
    fc.assert(
      fc.property(largeStory, (specs) => {
        const { state, deposits, withdrawals } = play(specs);
        expect(state.status).toBe('open');
        if (state.status !== 'open') return;
        expect(state.balance).toBe(deposits - withdrawals);
        expect(state.balance).toBeLessThanOrEqual(MAX_BALANCE_MINOR);
        expect(state.balance).toBeGreaterThanOrEqual(-state.overdraftLimit);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts a valid withdrawal exactly when balance - amount stays >= -overdraftLimit', () => {
    fc.assert(
      fc.property(fc.oneof(story, largeStory), nearOrAny, (specs, pick) => {
        const { state } = play(specs);
        fc.pre(state.status === 'open');
        if (state.status !== 'open') return;
        const requested = pick(state.balance + state.overdraftLimit);
        fc.pre(isValidAmount(requested));
        const decision = decide(state, {
          type: 'WithdrawMoney',
          accountId: ACCOUNT_ID,
          amount: requested,
          currency: state.currency,
          metadata: metadata(specs.length + 1),
        });
        const allowed = state.balance - requested >= -state.overdraftLimit;
        expect(decision.outcome).toBe(allowed ? 'accepted' : 'rejected');
        if (decision.outcome === 'rejected') {
          expect(decision.rejection.code).toBe('INSUFFICIENT_FUNDS');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a valid deposit exactly when the balance stays <= MAX_BALANCE_MINOR', () => {
    fc.assert(
      fc.property(fc.oneof(story, largeStory), nearOrAny, (specs, pick) => {
        const { state } = play(specs);
        fc.pre(state.status === 'open');
        if (state.status !== 'open') return;
        const requested = pick(MAX_BALANCE_MINOR - state.balance);
        fc.pre(isValidAmount(requested));
        const decision = decide(state, {
          type: 'DepositMoney',
          accountId: ACCOUNT_ID,
          amount: requested,
          currency: state.currency,
          metadata: metadata(specs.length + 1),
        });
        const allowed = state.balance + requested <= MAX_BALANCE_MINOR;
        expect(decision.outcome).toBe(allowed ? 'accepted' : 'rejected');
        if (decision.outcome === 'rejected') {
          expect(decision.rejection.code).toBe('BALANCE_LIMIT_EXCEEDED');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('closes at a zero balance, and then accepts nothing', () => {
    fc.assert(
      fc.property(story, anySpec, (specs, next) => {
        const { state } = play(specs);
        fc.pre(state.status === 'open' && Math.abs(state.balance) <= MAX_AMOUNT_MINOR);
        if (state.status !== 'open') return;
        // Settle the balance to 0, then close.
        const settle: Spec[] =
          state.balance === 0
            ? []
            : [
                {
                  type: state.balance > 0 ? 'WithdrawMoney' : 'DepositMoney',
                  amount: Math.abs(state.balance),
                  currency: state.currency,
                },
              ];
        const { state: final } = play([...specs, ...settle, { type: 'CloseAccount' }]);
        expect(final).toMatchObject({ status: 'closed', balance: 0 });
        const decision = decide(final, toCommand(next, specs.length + settle.length + 2));
        expect(decision.outcome).toBe('rejected');
        if (decision.outcome === 'rejected') {
          expect(decision.rejection.code).toMatch(
            /^(ACCOUNT_CLOSED|ACCOUNT_ALREADY_EXISTS|VERSION_CONFLICT|INVALID_\w+)$/,
          );
        }
      }),
      { numRuns: 150 },
    );
  });
});
