import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import {
  close,
  deposit,
  deposited,
  metadata,
  open,
  opened,
  unsafe,
  uuid,
  withdraw,
} from '../test/fixtures.js';
import type { AccountCommand, CommandMetadata } from './commands.js';
import { decide } from './decide.js';
import { LedgerError, LedgerUsageError } from './errors.js';
import { foldEvents } from './evolve.js';
import * as ledger from './index.js';

describe('decide, for every command', () => {
  it.each([open(2), deposit(2), withdraw(2), close(2)])(
    'rejects a malformed expectedVersion of $type with INVALID_COMMAND',
    (command) => {
      for (const expectedVersion of [-1, 1.5, NaN, '1']) {
        const rejection = given([opened(1)])
          .when({ ...command, expectedVersion: unsafe<number>(expectedVersion) })
          .then('INVALID_COMMAND');
        expect(rejection.details).toMatchObject({ field: 'expectedVersion' });
      }
    },
  );

  it('says what an expectedVersion may be', () => {
    const rejection = given([])
      .when(open(1, { expectedVersion: -1 }))
      .then('INVALID_COMMAND');
    expect(rejection.message).toBe(
      'expectedVersion -1 is not allowed: an expected version is an integer from 0 ' +
        '(the account does not exist yet) upwards',
    );
  });

  it('rejects an unknown command type with INVALID_COMMAND', () => {
    const command = unsafe<AccountCommand>({ ...deposit(2), type: 'PayInterest' });
    const rejection = given([opened(1)])
      .when(command)
      .then('INVALID_COMMAND');
    expect(rejection).toEqual({
      code: 'INVALID_COMMAND',
      message:
        'command type "PayInterest" is not allowed: one of OpenAccount, DepositMoney, ' +
        'WithdrawMoney, CloseAccount, TransferMoney, CreditTransfer, CompleteTransfer, ' +
        'ReverseTransfer, PlaceHold, CaptureHold, ReleaseHold, ExpireHold',
      details: { field: 'type', value: 'PayInterest' },
    });
  });

  it('cuts long values short in messages and details', () => {
    const rejection = given([])
      .when(open(1, { owner: 'x'.repeat(500) }))
      .then('INVALID_COMMAND');
    expect(rejection.message).toContain(`"${'x'.repeat(64)}…"`);
    expect(rejection.details).toMatchObject({ value: `${'x'.repeat(64)}…` });
  });

  it('uses only the first event id and ignores extra ones', () => {
    given([opened(1)])
      .when(deposit(2, { metadata: metadata(2, { eventIds: [uuid(2), uuid(99)] }) }))
      .then([deposited(2, 100)]);
  });

  it('accepts upper-case UUIDs', () => {
    const eventId = 'A0B1C2D3-E4F5-4A6B-8C7D-9E0F1A2B3C4D';
    given([opened(1)])
      .when(deposit(2, { metadata: metadata(2, { eventIds: [eventId] }) }))
      .then([deposited(2, 100, { eventId })]);
  });
});

describe('decide, misused by the shell', () => {
  const badMetadata: [string, Partial<CommandMetadata> | undefined, RegExp][] = [
    ['no metadata', undefined, /metadata is missing/],
    ['an empty commandId', { commandId: '' }, /metadata\.commandId "" is not allowed/],
    ['a blank correlationId', { correlationId: ' ' }, /metadata\.correlationId/],
    ['no actor', { actor: unsafe<string>(undefined) }, /metadata\.actor missing/],
    ['a fractional occurredAt', { occurredAt: 1.5 }, /metadata\.occurredAt 1\.5/],
    ['a negative occurredAt', { occurredAt: -1 }, /metadata\.occurredAt -1/],
    ['no event ids', { eventIds: [] }, /at least 1 UUID/],
    ['an event id that is no UUID', { eventIds: ['evt-1'] }, /eventIds\[0\] "evt-1" is not a UUID/],
    ['a repeated event id', { eventIds: [uuid(1), uuid(1)] }, /must not repeat/],
  ];

  it.each(badMetadata)('throws LedgerUsageError on %s', (_name, overrides, message) => {
    const command = deposit(2, {
      metadata:
        overrides === undefined ? unsafe<CommandMetadata>(undefined) : metadata(2, overrides),
    });
    given([opened(1)])
      .when(command)
      .thenThrows(LedgerUsageError, message);
  });

  it('checks metadata even when the command would be rejected', () => {
    given([])
      .when(deposit(1, { metadata: metadata(1, { eventIds: [] }) }))
      .thenThrows(LedgerUsageError);
  });

  it('throws LedgerUsageError when the state belongs to another account', () => {
    const state = foldEvents([opened(1)]);
    let caught: unknown;
    try {
      decide(state, deposit(2, { accountId: 'acc-2' }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LedgerError);
    expect(caught).toMatchObject({
      name: 'LedgerUsageError',
      code: 'LEDGER_USAGE',
      reason: 'STATE_ACCOUNT_MISMATCH',
    });
  });
});

describe('package entry', () => {
  it('exposes the decider and no test helpers', () => {
    expect(ledger.accountDecider.initialState).toBe(ledger.initialState);
    expect(ledger.accountDecider.decide).toBe(ledger.decide);
    expect(ledger.accountDecider.evolve).toBe(ledger.evolve);
    expect(Object.isFrozen(ledger.accountDecider)).toBe(true);
    expect(Object.keys(ledger)).not.toContain('given');
  });

  it('lists every rejection code once', () => {
    expect(ledger.REJECTION_CODES).toHaveLength(21);
    expect(new Set(ledger.REJECTION_CODES).size).toBe(ledger.REJECTION_CODES.length);
  });

  it('runs a whole account life through the decider', () => {
    const { decide: run, evolve, initialState } = ledger.accountDecider;
    const commands = [open(1), deposit(2, { amount: 700 }), withdraw(3, { amount: 700 }), close(4)];
    const state = commands.reduce((current, command) => {
      const decision = run(current, command);
      if (decision.outcome !== 'accepted') throw new Error(decision.rejection.message);
      return decision.events.reduce(evolve, current);
    }, initialState as ledger.AccountState);
    expect(state).toMatchObject({ status: 'closed', balance: 0, version: 4 });
  });
});
