import type { AccountEvent, MoneyDeposited } from '@tally/ledger';
import { beforeEach, describe, expect, it } from 'vitest';
import { STORY_CURRENCIES, transferStory } from '../../test/transfer-story.js';
import { ConservationCheck, parseCutOffsets, type CutEvent } from './conservation.js';

/** Events as the log would hold them: entry ids in the order given, one chain per account. */
function logOf(events: readonly AccountEvent[]): CutEvent[] {
  return events.map((event, i) => ({
    event,
    entryId: i + 1,
    chain: `t/${event.accountId}`,
    seq: event.version,
  }));
}

/** Runs the check as the shell does: per account, then per transfer (inside and beyond a cut). */
function check(log: readonly CutEvent[], inCut: (e: CutEvent) => boolean = () => true) {
  const conservation = new ConservationCheck();
  const accounts = new Map<string, CutEvent[]>();
  const transfers = new Map<string, CutEvent[]>();
  for (const e of log) {
    accounts.set(e.event.accountId, [...(accounts.get(e.event.accountId) ?? []), e]);
    if ('transferId' in e.event) {
      transfers.set(e.event.transferId, [...(transfers.get(e.event.transferId) ?? []), e]);
    }
  }
  for (const [id, events] of accounts) conservation.addAccount(id, events.filter(inCut));
  for (const [id, events] of transfers) {
    conservation.addTransfer(
      id,
      events.filter(inCut),
      events.filter((e) => !inCut(e)),
    );
  }
  return conservation.report();
}

describe('conservation per currency', () => {
  // A story of its own per test: `next` numbers the events a test adds.
  let story = transferStory('c');
  let all: AccountEvent[] = [];
  beforeEach(() => {
    story = transferStory('c');
    all = [...story.a, ...story.b, ...story.c, ...story.j];
  });

  it('balances plus money in flight equal deposits minus withdrawals, per currency', () => {
    const report = check(logOf(all));
    expect(report).toMatchObject({
      ok: true,
      accounts: 4,
      transfers: 3,
      inFlightTransfers: 1,
      crossingTheCut: 0,
      firstViolation: null,
    });
    expect(report.currencies).toEqual(STORY_CURRENCIES);
  });

  it('is exact past 2^53', () => {
    const events: AccountEvent[] = [];
    for (let i = 0; i < 91; i++) {
      const e = transferStory(`big-${i}`);
      events.push(e.a[0]!, { ...(e.a[1] as MoneyDeposited), amount: 99_999_999_999_999 });
    }
    const [eur] = check(logOf(events)).currencies;
    expect(eur).toMatchObject({
      balances: '9099999999999909',
      deposits: '9099999999999909',
      difference: '0',
    });
  });

  it('closes a cut that a transfer crosses with the steps beyond it', () => {
    // b's partition cut before its credit of T1: a's side says debited and completed.
    const credit = logOf(all).find((e) => e.event.type === 'TransferCredited')!;
    const report = check(logOf(all), (e) => !(e.chain === credit.chain && e.seq >= credit.seq));
    expect(report).toMatchObject({ ok: true, crossingTheCut: 1 });
    expect(report.currencies[0]).toMatchObject({
      balances: '600',
      inFlight: '400',
      difference: '0',
    });
  });

  it('names the first event that breaks a transfer, in audit order', () => {
    const doubled = story.credit(story.ids.b, story.transfer.t1, 300);
    const orphan = story.credit(story.ids.c, 'c-t9', 75);
    const report = check(logOf([...all, doubled, orphan]));
    expect(report.ok).toBe(false);
    expect(report.firstViolation).toMatchObject({
      code: 'DUPLICATE_STEP',
      transferId: story.transfer.t1,
      eventId: doubled.eventId,
      entryId: all.length + 1,
    });
    expect(report.violations.map((v) => [v.code, v.transferId])).toEqual([
      ['DUPLICATE_STEP', story.transfer.t1],
      ['UNMATCHED', 'c-t9'],
    ]);
  });

  it('names a credit and a reversal of one transfer', () => {
    const credited = story.credit(story.ids.c, story.transfer.t2, 200);
    expect(check(logOf([...all, credited])).firstViolation).toMatchObject({
      code: 'CREDITED_AND_REVERSED',
      transferId: story.transfer.t2,
      eventId: credited.eventId,
    });
  });

  it('names events of one transfer that disagree', () => {
    const other = story.credit(story.ids.b, story.transfer.t3, 101);
    expect(check(logOf([...all, other])).firstViolation).toMatchObject({
      code: 'MISMATCH',
      transferId: story.transfer.t3,
      eventId: other.eventId,
    });
  });

  it('names an account whose events evolve refuses, and counts the sum it leaves unbalanced', () => {
    // A withdrawal recorded in a currency the account does not hold: evolve refuses it.
    const wrong: AccountEvent = {
      type: 'MoneyWithdrawn',
      ...story.next(story.ids.c),
      amount: 10,
      currency: 'JPY',
    };
    const report = check(logOf([...all, wrong]));
    expect(report.firstViolation).toMatchObject({
      code: 'CORRUPT_ACCOUNT',
      accountId: story.ids.c,
      eventId: wrong.eventId,
    });
    expect(report.currencies.find((c) => c.currency === 'JPY')?.difference).toBe('10');
  });
});

describe('cut offsets', () => {
  it('reads partition:offset pairs and refuses anything else, naming it', () => {
    expect(parseCutOffsets('offsets', '0:120, 3:88')).toEqual({
      ok: true,
      value: new Map([
        [0, '120'],
        [3, '88'],
      ]),
    });
    for (const bad of [
      '',
      '1',
      '1:',
      ':2',
      '1:2:3',
      '1:-2',
      'a:1',
      '1:2,1:3',
      '1:99999999999999999999',
    ]) {
      const parsed = parseCutOffsets('offsets', bad);
      expect(parsed.ok, bad).toBe(false);
      expect(!parsed.ok && parsed.problem.name).toBe('offsets');
    }
  });
});
