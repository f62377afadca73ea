import { isPoison } from '@tally/kafka';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, eventIdsOf, type CommandRecord } from './command-record.js';
import type { RecordDecodeError } from './json-record.js';
import { decodeOutcome, encodeOutcome, type OutcomeRecord } from './outcome-record.js';

const outcome: OutcomeRecord = {
  v: 1,
  commandId: 'c-1',
  idempotencyKey: 'k-1',
  requestHash: 'h',
  commandType: 'WithdrawMoney',
  accountId: 'acc-1',
  correlationId: 'corr',
  actor: 'teller',
  receivedAt: 1_700_000_000_000,
  decidedAt: 1_700_000_000_005,
  outcome: 'rejected',
  eventIds: [],
  version: 4,
  balance: 120,
  currency: 'EUR',
  rejection: { code: 'INSUFFICIENT_FUNDS', message: 'no', details: { balance: 120 } },
};

const command: CommandRecord = {
  v: 1,
  commandId: 'c-1',
  idempotencyKey: 'k-1',
  requestHash: 'h',
  correlationId: 'corr',
  actor: 'teller',
  receivedAt: 1_700_000_000_000,
  eventId: 'e-1',
  command: { type: 'DepositMoney', accountId: 'acc-1', amount: 100, currency: 'EUR' },
};

const failure = (decode: () => unknown): RecordDecodeError => {
  try {
    decode();
  } catch (error) {
    if (isPoison(error)) return error as RecordDecodeError;
    throw error;
  }
  throw new Error('expected the decoder to refuse the record');
};

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('the outcome record', () => {
  it('round-trips, and keeps fields a newer writer added', () => {
    expect(decodeOutcome(encodeOutcome(outcome))).toEqual(outcome);
    expect(decodeOutcome(bytes({ ...outcome, reference: 'x' }))).toMatchObject({ reference: 'x' });
  });

  it('takes occurredAt when present (added later: optional), and only as an integer', () => {
    expect(decodeOutcome(bytes({ ...outcome, occurredAt: 1_700_000_000_009 }))).toMatchObject({
      occurredAt: 1_700_000_000_009,
    });
    expect(decodeOutcome(encodeOutcome(outcome)).occurredAt).toBeUndefined();
    expect(failure(() => decodeOutcome(bytes({ ...outcome, occurredAt: 'soon' }))).message).toMatch(
      /occurredAt/,
    );
  });

  it.each([
    ['no value', null, /no value/],
    ['not JSON', Buffer.from('{not json'), /not JSON/],
    ['an unknown version', bytes({ ...outcome, v: 2 }), /unknown outcome record version 2/],
    ['no version', bytes({ commandId: 'c' }), /version undefined/],
    ['a missing field', bytes({ ...outcome, decidedAt: undefined }), /decidedAt/],
    [
      'an unknown rejection code',
      bytes({ ...outcome, rejection: { code: 'NOPE', message: '', details: {} } }),
      /rejection.code/,
    ],
    ['a fractional balance', bytes({ ...outcome, balance: 1.5 }), /balance/],
  ])('is poison with %s, reason INVALID_OUTCOME', (_what, value, message) => {
    const error = failure(() => decodeOutcome(value));
    expect(error.reason).toBe('INVALID_OUTCOME');
    expect(error.message).toMatch(message);
  });
});

describe('the command record', () => {
  it('round-trips every command type', () => {
    expect(decodeCommand(encodeCommand(command))).toEqual(command);
    const open = {
      ...command,
      command: { type: 'OpenAccount', accountId: 'a', owner: 'Ada', currency: 'EUR' },
    };
    expect(decodeCommand(bytes(open))).toEqual(open);
  });

  it('is poison with an unknown command type, reason INVALID_COMMAND', () => {
    const error = failure(() =>
      decodeCommand(bytes({ ...command, command: { type: 'Transfer', accountId: 'a' } })),
    );
    expect(error.reason).toBe('INVALID_COMMAND');
  });
});

describe('the command records of transfers and holds (ADR 0007)', () => {
  const base = { ...command, commandId: 'c-2' };
  it('round-trip every new command type, with the event ids of a capture', () => {
    const bodies: CommandRecord['command'][] = [
      {
        type: 'TransferMoney',
        accountId: 'a',
        transferId: 't',
        toAccountId: 'b',
        amount: 5,
        currency: 'EUR',
      },
      {
        type: 'CreditTransfer',
        accountId: 'b',
        transferId: 't',
        fromAccountId: 'a',
        amount: 5,
        currency: 'EUR',
      },
      { type: 'CompleteTransfer', accountId: 'a', transferId: 't' },
      { type: 'ReverseTransfer', accountId: 'a', transferId: 't', reason: 'ACCOUNT_CLOSED' },
      { type: 'PlaceHold', accountId: 'a', holdId: 'h', amount: 5, currency: 'EUR', expiresAt: 9 },
      {
        type: 'CaptureHold',
        accountId: 'a',
        holdId: 'h',
        amount: 5,
        currency: 'EUR',
        toAccountId: 'b',
        transferId: 't2',
      },
      { type: 'ReleaseHold', accountId: 'a', holdId: 'h' },
      { type: 'ExpireHold', accountId: 'a', holdId: 'h' },
    ];
    for (const body of bodies) {
      const record = { ...base, eventIds: ['e-1', 'e-2'], command: body };
      expect(decodeCommand(encodeCommand(record))).toEqual(record);
      expect(eventIdsOf(record)).toEqual(['e-1', 'e-2']);
    }
  });

  it('reads a record without eventIds (older writers) as producing its one eventId', () => {
    expect(eventIdsOf(decodeCommand(encodeCommand(command)))).toEqual(['e-1']);
  });

  it('refuses a transfer without its id and an empty eventIds list', () => {
    const transfer = { type: 'TransferMoney', accountId: 'a', toAccountId: 'b', amount: 5 };
    expect(failure(() => decodeCommand(bytes({ ...base, command: transfer }))).reason).toBe(
      'INVALID_COMMAND',
    );
    expect(failure(() => decodeCommand(bytes({ ...command, eventIds: [] }))).reason).toBe(
      'INVALID_COMMAND',
    );
  });

  it('keeps the held amount of an outcome when present', () => {
    expect(decodeOutcome(bytes({ ...outcome, held: 700 }))).toMatchObject({ held: 700 });
  });
});
