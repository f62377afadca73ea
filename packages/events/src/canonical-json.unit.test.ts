import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalEncodingError } from './canonical-json.js';

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

// Examples of RFC 8785 (JSON Canonicalization Scheme), sections 3.2.2 and 3.2.3.
describe('canonicalJson against RFC 8785', () => {
  it('sorts properties by their UTF-16 code units (3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('escapes strings as the RFC does (3.2.2.2)', () => {
    const input = JSON.parse(
      '{"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}',
    );
    expect(canonicalJson(input)).toBe('{"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('writes literals and nested arrays without whitespace (3.2.2.1)', () => {
    const input = JSON.parse(
      '{ "literals" : [null, true, false], "numbers": [0, 1, -7, 9007199254740991] }',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[0,1,-7,9007199254740991]}',
    );
  });

  it('refuses the RFC numbers outside the integer subset instead of encoding them twice (3.2.2.3)', () => {
    for (const value of [333333333.3333333, 1e30, 4.5, 2e-3, 0.000001, NaN, Infinity, -0.5]) {
      expect(() => canonicalJson({ numbers: [value] })).toThrow(CanonicalEncodingError);
    }
  });
});
