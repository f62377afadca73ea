import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_IDS,
  PARTITIONS,
  ProcessModel,
  type Action,
  type Fault,
  type UserRequest,
} from '../test/process-model.js';
import type { AccountCommand } from './commands.js';
import { decide } from './decide.js';
import type { AccountEvent } from './events.js';
import { foldEvents } from './evolve.js';
import { MAX_BALANCE_MINOR, isValidAmount } from './money.js';
import { isFinal } from './transfer-lifecycle.js';

/**
 * ADR 0007's transfer and hold process under arbitrary schedules: the real decide and evolve run
 * inside a model of partitions, transactions, lazy offsets, crashes, zombies and redeliveries
 * (test/process-model.ts). Checked after every action, i.e. after every transaction: money is
 * conserved per currency, no transfer breaks its lifecycle, no account's available balance is
 * below its limit. Checked once everything has run: every transfer ended in exactly one final
 * state, nothing is in flight or held, each event was written once, replay gives the same states.
 */

const index = fc.integer({ min: 0, max: ACCOUNT_IDS.length - 1 });
const amount = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 3_000, max: 15_000 }) },
);

const request: fc.Arbitrary<UserRequest> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('deposit' as const), account: index, amount }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('withdraw' as const), account: index, amount }),
  },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const),
      from: index,
      to: index,
      amount,
      // Mostly the source's currency; sometimes a stated one, which may not match.
      currency: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('EUR', 'USD') },
      ),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('placeHold' as const),
      account: index,
      amount,
      durationMs: fc.integer({ min: 1, max: 180_000 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record(
      {
        kind: fc.constant('capture' as const),
        hold: fc.nat(20),
        share: fc.constantFrom(0.25, 0.5, 1, 1.5),
        to: index,
      },
      { requiredKeys: ['kind', 'hold', 'share'] },
    ),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), hold: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('closeOut' as const), account: index }) },
);

const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('none' as const) },
  { weight: 1, arbitrary: fc.constant('crashBeforeCommit' as const) },
  { weight: 1, arbitrary: fc.constant('zombie' as const) },
  { weight: 2, arbitrary: fc.constant('crashAfterCommit' as const) },
);
const partition = fc.integer({ min: 0, max: PARTITIONS - 1 });

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant('http' as const),
      request,
      retried: fc.oneof(
        { weight: 1, arbitrary: fc.constant(true) },
        { weight: 5, arbitrary: fc.constant(false) },
      ),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('process' as const),
      partition,
      batch: fc.integer({ min: 1, max: 5 }),
      fault,
      commitOffsets: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), partition, fault }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 1, max: 30_000 }),
    }),
  },
);

const schedule = fc.array(action, { minLength: 20, maxLength: 200, size: 'large' });

/** Per currency: sum of balances + money in flight, against deposits - withdrawals. */
function ledgerTotals(model: ProcessModel) {
  const inside = new Map<string, number>();
  const add = (currency: string, amount: number) =>
    inside.set(currency, (inside.get(currency) ?? 0) + amount);
  for (const state of model.states.values()) {
    if (state.status !== 'not-opened') add(state.currency, state.balance);
  }
  const { records, violation } = model.transfers();
  for (const transfer of records.values()) add(transfer.currency, transfer.inFlight);
  const totals = [...inside].map(([currency, total]) => ({
    currency,
    total,
    external: model.external.get(currency) ?? 0,
  }));
  return { totals, records, violation };
}

/**
 * What must hold at every consistent cut, i.e. after every transaction. Plain checks rather than
 * expect: they run after every action of every run.
 */
function checkAlways(model: ProcessModel): void {
  const { totals, records, violation } = ledgerTotals(model);
  if (violation) fail(`transfer lifecycle broken: ${violation.code}: ${violation.message}`);
  for (const { currency, total, external } of totals) {
    if (total !== external) {
      fail(`${currency}: balances + in flight = ${total}, deposits - withdrawals = ${external}`);
    }
  }
  for (const transfer of records.values()) {
    if (transfer.status === 'unmatched') fail(`transfer ${transfer.transferId} is unmatched`);
  }
  for (const state of model.states.values()) {
    if (state.status === 'not-opened') continue;
    const where = `account ${state.accountId} at version ${state.version}`;
    if (state.balance - state.held < -state.overdraftLimit) {
      fail(`${where}: available ${state.balance - state.held} below -${state.overdraftLimit}`);
    }
    if (state.balance + state.unsettled > MAX_BALANCE_MINOR) fail(`${where}: above the ceiling`);
    if (state.held !== state.holds.reduce((sum, h) => sum + h.amount, 0)) {
      fail(`${where}: held ${state.held} is not the sum of its holds`);
    }
    if (state.unsettled !== state.unsettledTransfers.reduce((sum, t) => sum + t.amount, 0)) {
      fail(`${where}: unsettled ${state.unsettled} is not the sum of its transfers`);
    }
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** What must hold once every command and every expiry has run. */
function checkAtRest(model: ProcessModel): void {
  checkAlways(model);
  const { records } = model.transfers();
  for (const [transferId, commandId] of model.transferRequests) {
    const outcome = model.outcomeOf(commandId);
    expect(outcome).toBeDefined();
    const transfer = records.get(transferId);
    if (outcome === 'rejected') {
      // Refused at the source: no event of it anywhere, its only final state is `rejected`.
      expect(transfer).toBeUndefined();
    } else {
      expect(transfer && isFinal(transfer.status)).toBe(true);
      expect(transfer?.inFlight).toBe(0);
    }
  }
  // Every transfer on the log was requested; none is left over.
  for (const transferId of records.keys())
    expect(model.transferRequests.has(transferId)).toBe(true);
  for (const state of model.states.values()) {
    if (state.status === 'not-opened') continue;
    expect(state).toMatchObject({ held: 0, holds: [], unsettled: 0, unsettledTransfers: [] });
  }
  // Each event exactly once, and a replay of each account's events gives its state.
  const ids = model.events.map((e) => e.eventId);
  expect(new Set(ids).size).toBe(ids.length);
  const byAccount = new Map<string, AccountEvent[]>();
  for (const event of model.events) {
    byAccount.set(event.accountId, [...(byAccount.get(event.accountId) ?? []), event]);
  }
  for (const [accountId, events] of byAccount) {
    expect(foldEvents(events)).toEqual(model.states.get(accountId));
  }
}

const MONEY_OUT = ['WithdrawMoney', 'TransferMoney', 'PlaceHold'] as const;

function moneyOut(
  kind: (typeof MONEY_OUT)[number],
  accountId: string,
  amount: number,
  currency: string,
  model: ProcessModel,
): AccountCommand {
  const metadata = {
    commandId: 'boundary',
    correlationId: 'boundary',
    actor: 'test',
    occurredAt: model.clock,
    eventIds: [model.idFor('boundary/event')],
  };
  const id = model.idFor('boundary');
  switch (kind) {
    case 'WithdrawMoney':
      return { type: kind, accountId, amount, currency, metadata };
    case 'TransferMoney':
      return {
        type: kind,
        accountId,
        transferId: id,
        toAccountId: 'elsewhere',
        amount,
        currency,
        metadata,
      };
    case 'PlaceHold':
      return {
        type: kind,
        accountId,
        holdId: id,
        amount,
        currency,
        expiresAt: model.clock + 1,
        metadata,
      };
  }
}

function run(actions: readonly Action[], options: { dedupe?: boolean } = {}) {
  const model = new ProcessModel(options);
  model.setUp();
  checkAlways(model);
  const setUpEvents = model.events.length;
  for (const step of actions) {
    model.apply(step);
    checkAlways(model);
  }
  model.drain();
  checkAtRest(model);
  return { model, scheduled: model.events.slice(setUpEvents) };
}

describe('transfers and holds across partitions, under crashes and redeliveries', () => {
  it('conserve money, keep every account within its limit and end every transfer once', () => {
    fc.assert(
      fc.property(schedule, (actions) => {
        run(actions);
      }),
      { numRuns: 500 },
    );
  });

  it('let money out (withdrawal, transfer, hold) exactly when the available balance covers it', () => {
    const near = fc.integer({ min: -2, max: 2 });
    const cases = { accepted: 0, refused: 0, withHolds: 0 };
    fc.assert(
      fc.property(schedule, near, fc.constantFrom(...MONEY_OUT), (actions, delta, kind) => {
        const model = new ProcessModel();
        model.setUp();
        for (const step of actions) model.apply(step);
        for (const state of model.states.values()) {
          if (state.status !== 'open') continue;
          const spendable = state.balance - state.held + state.overdraftLimit;
          const amount = spendable + delta;
          if (!isValidAmount(amount)) continue;
          const decision = decide(
            state,
            moneyOut(kind, state.accountId, amount, state.currency, model),
          );
          const code = decision.outcome === 'rejected' ? decision.rejection.code : 'accepted';
          expect(code).toBe(amount <= spendable ? 'accepted' : 'INSUFFICIENT_FUNDS');
          cases[code === 'accepted' ? 'accepted' : 'refused']++;
          if (state.held > 0) cases.withHolds++;
        }
      }),
      { numRuns: 200 },
    );
    expect(Math.min(cases.accepted, cases.refused, cases.withHolds)).toBeGreaterThan(0);
  });

  it('exercise what they claim: transfers complete and reverse, holds end all three ways', () => {
    // The same generators, summed over runs: each outcome the properties speak of does happen.
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(schedule, (actions) => {
        const { model, scheduled } = run(actions);
        for (const transfer of model.transfers().records.values()) {
          seen.set(transfer.status, (seen.get(transfer.status) ?? 0) + 1);
        }
        const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
        for (const event of scheduled) count(event.type);
        const captures = new Set(
          scheduled.filter((e) => e.type === 'HoldCaptured').map((e) => e.commandId),
        );
        for (const event of scheduled) {
          if (event.type === 'TransferDebited' && captures.has(event.commandId))
            count('captured as transfer');
        }
        for (const commandId of model.transferRequests.values()) {
          if (model.outcomeOf(commandId) === 'rejected') count('rejected');
        }
      }),
      { numRuns: 100, seed: 14 },
    );
    for (const key of [
      'completed',
      'reversed',
      'HoldCaptured',
      'HoldReleased',
      'HoldExpired',
      'AccountClosed',
      'TransferDebited',
      'HoldPlaced',
      'rejected',
      'captured as transfer',
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThan(0);
    }
  });

  it('would catch a partition that forgets its outcomes (the checks can fail)', () => {
    const result = fc.check(
      fc.property(schedule, (actions) => {
        run(actions, { dedupe: false });
      }),
      { numRuns: 300, seed: 14 },
    );
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).not.toMatch(/CorruptEventStream|LedgerUsage/);
  });

  it('stops a credit delivered again after a crash by its command id', () => {
    // a0 is on partition 0, a1 on partition 1. The owner of 1 credits, commits, and dies before
    // its offsets: the next owner reads the credit again.
    const redelivered: Action[] = [
      { kind: 'http', request: { kind: 'transfer', from: 0, to: 1, amount: 100 }, retried: false },
      { kind: 'process', partition: 0, batch: 1, fault: 'none', commitOffsets: true },
      { kind: 'process', partition: 1, batch: 1, fault: 'crashAfterCommit', commitOffsets: false },
      { kind: 'process', partition: 1, batch: 1, fault: 'none', commitOffsets: true },
    ];
    const { model } = run(redelivered);
    expect(model.events.filter((e) => e.type === 'TransferCredited')).toHaveLength(1);

    const careless = new ProcessModel({ dedupe: false });
    careless.setUp();
    for (const step of redelivered) careless.apply(step);
    expect(careless.transfers().violation).toMatchObject({ code: 'DUPLICATE_STEP' });
  });
});
