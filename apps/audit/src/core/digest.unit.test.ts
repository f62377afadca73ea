import { describe, expect, it } from 'vitest';
import { digestSignatureValid, signDigest } from './digest.js';

describe('signed digest', () => {
  const heads = [
    { chain: 't/1', seq: 3, hash: 'b'.repeat(64) },
    { chain: 't/0', seq: 2, hash: 'a'.repeat(64) },
    { chain: 't/2', seq: 0, hash: '0'.repeat(64) },
  ];
  const key = 'a-key-of-sixteen-chars';

  it('signs the non-empty heads in chain order with their total count', () => {
    const digest = signDigest(heads, 1_700_000_000_000, key);
    expect(digest.chains.map((c) => c.chain)).toEqual(['t/0', 't/1']);
    expect(digest.count).toBe(5);
    expect(digestSignatureValid(digest, key)).toBe(true);
  });

  it('refuses a changed digest or another key', () => {
    const digest = signDigest(heads, 1_700_000_000_000, key);
    expect(digestSignatureValid({ ...digest, count: 4 }, key)).toBe(false);
    expect(digestSignatureValid(JSON.parse(JSON.stringify(digest)), key)).toBe(true);
    expect(digestSignatureValid(digest, 'another-key-of-16-chars')).toBe(false);
  });
});
