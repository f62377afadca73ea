import { describe, expect, it } from 'vitest';
import {
  accountIdForKey,
  commandIdFor,
  derivedEventIds,
  processCommandId,
  requestHash,
  uuidV5,
} from './ids.js';

describe('ids', () => {
  it('computes RFC 9562 UUID v5 (test vector: DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('derives the same account and command for a retried key, others for another account', () => {
    expect(accountIdForKey('k')).toBe(accountIdForKey('k'));
    expect(commandIdFor('a', 'k')).toBe(commandIdFor('a', 'k'));
    expect(commandIdFor('a', 'k')).not.toBe(commandIdFor('b', 'k'));
  });

  it('hashes requests independently of key order', () => {
    expect(requestHash({ a: 1, b: 'x' })).toBe(requestHash({ b: 'x', a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });

  it('refuses a value without one canonical encoding rather than hashing NaN as null', () => {
    expect(() => requestHash({ amount: Number.NaN })).toThrow(/not a safe integer/);
    expect(requestHash({ amount: null })).not.toBe(requestHash({}));
  });

  it('derives process command ids and their event ids the same way on every owner', () => {
    const credit = processCommandId('transfer/t-1/CreditTransfer');
    expect(credit).toBe(processCommandId('transfer/t-1/CreditTransfer'));
    expect(credit).not.toBe(processCommandId('transfer/t-1/CompleteTransfer'));
    expect(credit).not.toBe(commandIdFor('transfer/t-1', 'CreditTransfer'));
    const ids = derivedEventIds(credit, 2);
    expect(ids).toEqual(derivedEventIds(credit, 2));
    expect(new Set(ids).size).toBe(2);
  });
});
