import { describe, expect, it } from 'vitest';
import { completed, credited, debited, reversed } from '../test/fixtures.js';
import type { TransferEvent } from './events.js';
import {
  foldTransfer,
  isFinal,
  type TransferFold,
  type TransferRecord,
  type TransferViolationCode,
} from './transfer-lifecycle.js';

// The source is acc-1, the destination acc-2: the credit is on acc-2's stream.
const debit = debited(3, 400);
const credit = credited(1, 400, { accountId: 'acc-2', fromAccountId: 'acc-1' });
const completion = completed(4, 400);
const reversal = reversed(4, 400);

function fold(events: readonly TransferEvent[]): TransferFold {
  let record: TransferRecord | undefined;
  for (const event of events) {
    const step = foldTransfer(record, event);
    if (!step.ok) return step;
    record = step.transfer;
  }
  if (record === undefined) throw new Error('no events');
  return { ok: true, transfer: record };
}

function statusOf(events: readonly TransferEvent[]) {
  const result = fold(events);
  if (!result.ok) throw new Error(result.violation.message);
  return { status: result.transfer.status, inFlight: result.transfer.inFlight };
}

describe('a transfer’s life across its two accounts', () => {
  it('goes debited, credited, completed, with the money in flight in between', () => {
    expect(statusOf([debit])).toEqual({ status: 'debited', inFlight: 400 });
    expect(statusOf([debit, credit])).toEqual({ status: 'credited', inFlight: 0 });
    expect(statusOf([debit, credit, completion])).toEqual({ status: 'completed', inFlight: 0 });
    expect(statusOf([debit, reversal])).toEqual({ status: 'reversed', inFlight: 0 });
  });

  it('knows both accounts whichever side it saw first', () => {
    for (const order of [
      [debit, credit],
      [credit, debit],
    ]) {
      const result = fold(order);
      expect(result).toMatchObject({
        ok: true,
        transfer: { fromAccountId: 'acc-1', toAccountId: 'acc-2', amount: 400, currency: 'EUR' },
      });
    }
  });

  it('is unmatched while a later step is seen without the earlier one', () => {
    expect(statusOf([credit])).toEqual({ status: 'unmatched', inFlight: -400 });
    expect(statusOf([credit, completion])).toEqual({ status: 'unmatched', inFlight: -400 });
    expect(statusOf([debit, completion])).toEqual({ status: 'unmatched', inFlight: 400 });
    expect(statusOf([completion, credit, debit])).toEqual({ status: 'completed', inFlight: 0 });
  });

  it('records the reason of a reversal', () => {
    expect(fold([debit, reversed(4, 400, { reason: 'CURRENCY_MISMATCH' })])).toMatchObject({
      transfer: { reason: 'CURRENCY_MISMATCH' },
    });
  });

  it('ends final only as completed or reversed', () => {
    expect(['debited', 'credited', 'unmatched'].some((s) => isFinal(s as never))).toBe(false);
    expect(isFinal('completed') && isFinal('reversed')).toBe(true);
  });

  const violations: [string, TransferEvent[], TransferViolationCode][] = [
    [
      'a second credit',
      [debit, credit, { ...credit, eventId: 'e2', version: 2 }],
      'DUPLICATE_STEP',
    ],
    ['a second debit', [debit, debit], 'DUPLICATE_STEP'],
    ['a credit and a reversal', [debit, reversal, credit], 'CREDITED_AND_REVERSED'],
    ['a completion and a reversal', [debit, completion, reversal], 'COMPLETED_AND_REVERSED'],
    ['a credit of another amount', [debit, { ...credit, amount: 401 }], 'MISMATCH'],
    ['a credit to another account', [debit, { ...credit, accountId: 'acc-3' }], 'MISMATCH'],
    ['a credit from another account', [debit, { ...credit, fromAccountId: 'acc-9' }], 'MISMATCH'],
    ['a credit in another currency', [debit, { ...credit, currency: 'USD' }], 'MISMATCH'],
  ];

  it.each(violations)('names %s as a violation', (_, events, code) => {
    const result = fold(events);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const last = events[events.length - 1]!;
    expect(result.violation).toMatchObject({
      code,
      transferId: last.transferId,
      eventId: last.eventId,
    });
    expect(result.violation.message).not.toBe('');
  });
});
