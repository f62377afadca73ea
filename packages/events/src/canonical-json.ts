/**
 * Canonical JSON: the one byte sequence a value hashes to, whatever produced it (audit entries
 * and digests, the intake's request fingerprints).
 *
 * - objects: keys sorted by UTF-16 code units (`Array.prototype.sort`), no whitespace, members
 *   whose value is `undefined` left out;
 * - arrays: in order;
 * - strings: `JSON.stringify` escaping;
 * - numbers: safe integers only (money and offsets are integers; offsets travel as strings),
 *   written as `JSON.stringify` writes them; anything else (floats, NaN, bigint) is refused, so
 *   no value can have two encodings;
 * - `true`, `false`, `null` as in JSON.
 *
 * It is RFC 8785 (JCS) restricted to integers, so other languages can reproduce it; the unit test
 * holds it to the RFC's own examples.
 */
export class CanonicalEncodingError extends Error {
  readonly code = 'CANONICAL_ENCODING';
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalEncodingError';
  }
}

export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

/** JSON.stringify of object keys seen before (keys repeat: every event has the same few). */
const keyJson = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = keyJson.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (keyJson.size < 1_000) keyJson.set(key, quoted);
  }
  return quoted;
}

// `path` names the value in errors; it is built only when a member is descended into.
function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalEncodingError(`${path}: ${value} is not a safe integer`);
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => encode(item, `${path}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalEncodingError(`${path}: only plain objects can be encoded`);
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (out.length > 1) out += ',';
        out += quotedKey(key) + ':' + encodeMember(member, path, key);
      }
      return out + '}';
    }
    default:
      throw new CanonicalEncodingError(`${path}: a ${typeof value} cannot be encoded`);
  }
}

/** Scalars inline (no path string per member); objects and arrays and errors via encode. */
function encodeMember(value: unknown, path: string, key: string): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  return encode(value, `${path}.${key}`);
}
