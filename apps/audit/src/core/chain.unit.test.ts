import { describe, expect, it } from 'vitest';
import {
  canonicalEntry,
  canonicalEntrySlow,
  chainEntries,
  ChainVerifier,
  GENESIS_HASH,
  hashEntry,
  type ChainedEntry,
  type EntryContent,
} from './chain.js';

const content = (offset: number, amount = 100): EntryContent => ({
  kind: 'event',
  topic: 't',
  partition: 0,
  offset: String(offset),
  kafkaTimestamp: '1700000000000',
  key: 'acc-1',
  raw: Buffer.from(`raw-${offset}`).toString('base64'),
  payload: JSON.stringify({ amount }),
  schemaSubject: 't-tally.account.MoneyDeposited',
  schemaVersion: 1,
  schemaId: 7,
  accountId: 'acc-1',
  eventType: 'MoneyDeposited',
  accountVersion: offset + 1,
  amount,
  currency: 'EUR',
  occurredAt: 1_700_000_000_000 + offset,
  anomalyReason: null,
  anomalyDetail: null,
  recordedAt: 1_700_000_000_500,
});

function verify(entries: readonly ChainedEntry[]) {
  const verifier = new ChainVerifier('t/0');
  for (const entry of entries) if (!verifier.push(entry)) break;
  return verifier.result();
}

describe('hash chain', () => {
  const { entries, head } = chainEntries(
    { chain: 't/0', seq: 0, hash: GENESIS_HASH },
    [0, 1, 2, 3, 4].map((o) => content(o)),
  );

  it('numbers entries from 1 and links each to the previous hash', () => {
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[3]!.prevHash).toBe(entries[2]!.hash);
    expect(head).toEqual({ chain: 't/0', seq: 5, hash: entries[4]!.hash });
    expect(entries[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('continues a chain from a stored head exactly as one long append', () => {
    const first = chainEntries({ chain: 't/0', seq: 0, hash: GENESIS_HASH }, [
      content(0),
      content(1),
    ]);
    const rest = chainEntries(first.head, [content(2), content(3), content(4)]);
    expect([...first.entries, ...rest.entries]).toEqual(entries);
  });

  it('encodes an entry exactly as the generic canonical JSON encoder does', () => {
    for (const entry of entries) expect(canonicalEntry(entry)).toBe(canonicalEntrySlow(entry));
    const anomaly = {
      ...entries[0]!,
      kind: 'anomaly' as const,
      payload: null,
      amount: null,
      anomalyReason: 'X\u0000"',
    };
    expect(canonicalEntry(anomaly)).toBe(canonicalEntrySlow(anomaly));
    expect(() => canonicalEntry({ ...entries[0]!, amount: 0.5 })).toThrow(/safe integer/);
  });

  it('writes out every field as the generic encoder does, for any value a row may hold', () => {
    const base = entries[2]!;
    const odd: Record<string, unknown>[] = [
      { key: null, raw: null, payload: null, currency: null, accountVersion: null },
      { payload: '{"a":"\\"q\\" \\u0001 é 😀"}', anomalyDetail: 'line\nbreak\ttab\u2028' },
      { accountId: '\ud800 lone surrogate', eventType: '' },
      { amount: -9_007_199_254_740_991, occurredAt: 0, seq: Number.MAX_SAFE_INTEGER },
      { amount: -0, partition: 0 },
      // A value of the wrong type (a row edited by hand): encoded or refused the same way.
      { offset: 17, schemaVersion: '1', kind: true },
      { accountId: undefined, raw: undefined },
    ];
    for (const change of odd) {
      const entry = { ...base, ...change } as ChainedEntry;
      expect(canonicalEntry(entry)).toBe(canonicalEntrySlow(entry));
    }
    for (const bad of [{ amount: 0.5 }, { seq: 2 ** 53 }, { occurredAt: Number.NaN }]) {
      const entry = { ...base, ...bad } as ChainedEntry;
      expect(() => canonicalEntrySlow(entry)).toThrow();
      expect(() => canonicalEntry(entry)).toThrow();
    }
  });

  it('ignores fields that are not part of the entry (a row id)', () => {
    expect(hashEntry({ ...entries[1]!, id: 99 } as ChainedEntry)).toBe(entries[1]!.hash);
  });

  it('verifies an intact chain and reports its head', () => {
    expect(verify(entries)).toEqual({
      ok: true,
      summary: { chain: 't/0', count: 5, head: head.hash },
    });
  });

  it('names the changed entry when a field is altered', () => {
    const tampered = entries.map((e) => (e.seq === 3 ? { ...e, amount: 1_000_000 } : e));
    const result = verify(tampered);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.failure).toMatchObject({ seq: 3, problem: 'HASH_MISMATCH' });
  });

  it('names the entry after a rewrite that also recomputed the hash', () => {
    const rewritten = { ...entries[2]!, amount: 5 };
    const withHash = { ...rewritten, hash: hashEntry(rewritten) };
    const result = verify(entries.map((e) => (e.seq === 3 ? withHash : e)));
    expect(!result.ok && result.failure).toMatchObject({ seq: 4, problem: 'BROKEN_LINK' });
  });

  it('detects a deleted entry by the missing seq', () => {
    const result = verify(entries.filter((e) => e.seq !== 2));
    expect(!result.ok && result.failure).toMatchObject({ seq: 2, problem: 'MISSING_ENTRY' });
  });

  it('detects a truncated tail against a recorded head', () => {
    const verifier = new ChainVerifier('t/0');
    for (const entry of entries.slice(0, 3)) verifier.push(entry);
    verifier.expectAtLeast(5);
    expect(verifier.result()).toMatchObject({
      ok: false,
      failure: { seq: 4, problem: 'TRUNCATED' },
    });
  });
});
