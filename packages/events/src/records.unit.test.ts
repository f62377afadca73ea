import { isPoison } from '@tally/kafka';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, type CommandRecord } from './command-record.js';
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
