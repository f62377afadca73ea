/**
 * Canonical JSON: the one byte sequence an entry hashes to, whatever produced it.
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
 * It is RFC 8785 (JCS) restricted to integers, so other languages can reproduce it.
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
      const members = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${encode(record[key], `${path}.${key}`)}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new CanonicalEncodingError(`${path}: a ${typeof value} cannot be encoded`);
  }
}
