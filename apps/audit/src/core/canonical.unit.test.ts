import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalEncodingError } from './canonical.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[true,null]},"b":1}',
    );
  });

  it('gives the same text whatever the key insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('leaves out undefined members and escapes strings like JSON', () => {
    expect(canonicalJson({ a: undefined, b: 'q"\n\u2028' })).toBe('{"b":"q\\"\\n\u2028"}');
  });

  it('refuses values with more than one encoding', () => {
    expect(() => canonicalJson({ amount: 1.5 })).toThrow(CanonicalEncodingError);
    expect(() => canonicalJson({ amount: 2 ** 60 })).toThrow(/amount/);
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(/plain objects/);
    expect(() => canonicalJson({ n: 1n })).toThrow(CanonicalEncodingError);
  });
});
