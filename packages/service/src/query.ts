import type { Request } from 'express';
import { HttpProblem } from './problem.js';
import type { Parsed } from './time.js';

// Query parameters, read the same way by every service: each bad one is a 400 problem naming it
// (in `invalid-params`, RFC 9457), never a 500 and never a silently used default.

export function badParam(name: string, reason: string): HttpProblem {
  return new HttpProblem(400, 'INVALID_PARAMETER', 'Invalid parameter', `${name}: ${reason}`, {
    'invalid-params': [{ name, reason }],
  });
}

/** The parameter once, as a string, or undefined when absent (`?a=1&a=2` is refused). */
export function stringParam(req: Request, name: string): string | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw badParam(name, 'must be given once, as a string');
  return raw;
}

/** A decimal integer within [min, max]; `fallback` when absent. */
export function intParam(
  req: Request,
  name: string,
  range: { readonly min: number; readonly max: number },
): number | undefined;
export function intParam(
  req: Request,
  name: string,
  range: { readonly min: number; readonly max: number; readonly fallback: number },
): number;
export function intParam(
  req: Request,
  name: string,
  range: { readonly min: number; readonly max: number; readonly fallback?: number },
): number | undefined {
  const raw = stringParam(req, name);
  if (raw === undefined) return range.fallback;
  if (!/^-?\d{1,16}$/.test(raw)) {
    throw badParam(name, `must be an integer, got ${JSON.stringify(raw)}`);
  }
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw badParam(name, `must be between ${range.min} and ${range.max}, got ${raw}`);
  }
  return value;
}

/** A parser's result (`time.ts`) as the value, or a 400 naming the parameter, its value and what is allowed. */
export function parsedParam<T>(parsed: Parsed<T>): T {
  if (parsed.ok) return parsed.value;
  const { name, value, reason, allowed } = parsed.problem;
  throw new HttpProblem(
    400,
    'INVALID_PARAMETER',
    'Invalid parameter',
    `${name}: ${JSON.stringify(value)} ${reason}; allowed: ${allowed}`,
    { 'invalid-params': [{ name, reason, value, allowed }] },
  );
}
