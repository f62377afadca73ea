import type { RejectionDetailValue } from './decision.js';

const MAX_SHOWN_CHARS = 64;

/** A value as it should appear in a message: strings quoted and cut short, numbers as is. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return `of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** A value as it may appear in rejection details: JSON-safe, strings cut short. */
export function detailValue(value: unknown): RejectionDetailValue {
  if (typeof value === 'string') return truncate(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean' || value === null) return value;
  if (value === undefined) return null;
  return describeValue(value);
}

function truncate(text: string): string {
  return text.length <= MAX_SHOWN_CHARS ? text : `${text.slice(0, MAX_SHOWN_CHARS)}…`;
}
