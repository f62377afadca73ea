import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, RecordingGateway } from '../test/recording-gateway.js';

const gateway = new RecordingGateway();
let url: string;
let server: Server;
let bearer: Record<string, string>;

beforeAll(async () => {
  let token: string;
  ({ url, server, token } = await listen(gateway));
  bearer = { authorization: `Bearer ${token}` };
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const key = { 'Idempotency-Key': 'k-1' };
const json = { 'content-type': 'application/json' };
const dep = '/accounts/acc-1/deposits';

// [what, method, path, headers, raw body, status, code, field named]
const cases: [
  string,
  string,
  string,
  Record<string, string>,
  string | undefined,
  number,
  string,
  string?,
][] = [
  ['malformed JSON', 'POST', dep, { ...key, ...json }, '{"amount": 1,', 400, 'MALFORMED_JSON'],
  [
    'a missing Idempotency-Key',
    'POST',
    dep,
    json,
    '{"amount":1,"currency":"EUR"}',
    400,
    'INVALID_IDEMPOTENCY_KEY',
    'Idempotency-Key',
  ],
  [
    'a blank Idempotency-Key',
    'POST',
    dep,
    { ...json, 'Idempotency-Key': 'a b' },
    '{"amount":1,"currency":"EUR"}',
    400,
    'INVALID_IDEMPOTENCY_KEY',
    'Idempotency-Key',
  ],
  [
    'a bad If-Match',
    'POST',
    dep,
    { ...key, ...json, 'If-Match': 'v7' },
    '{"amount":1,"currency":"EUR"}',
    400,
    'INVALID_IF_MATCH',
    'If-Match',
  ],
  [
    'a missing amount',
    'POST',
    dep,
    { ...key, ...json },
    '{"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'amount',
  ],
  [
    'a string amount',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":"100","currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'amount',
  ],
  [
    'a negative amount',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":-5,"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'amount',
  ],
  [
    'a zero amount',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":0,"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'amount',
  ],
  [
    'a fractional amount',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":1.5,"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'amount',
  ],
  [
    'a huge amount',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":1e300,"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'amount',
  ],
  [
    'an amount beyond the maximum',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":100000000000001,"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'amount',
  ],
  [
    'an unknown currency',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":1,"currency":"EUX"}',
    422,
    'VALIDATION_ERROR',
    'currency',
  ],
  [
    'a lower-case currency',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":1,"currency":"eur"}',
    422,
    'VALIDATION_ERROR',
    'currency',
  ],
  [
    'an extra field',
    'POST',
    dep,
    { ...key, ...json },
    '{"amount":1,"currency":"EUR","note":"x"}',
    422,
    'VALIDATION_ERROR',
    'note',
  ],
  ['a JSON array body', 'POST', dep, { ...key, ...json }, '[1,2]', 422, 'VALIDATION_ERROR', 'body'],
  ['no body', 'POST', dep, key, undefined, 422, 'VALIDATION_ERROR', 'amount'],
  [
    'an open without owner',
    'POST',
    '/accounts',
    { ...key, ...json },
    '{"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'owner',
  ],
  [
    'a negative overdraft',
    'POST',
    '/accounts',
    { ...key, ...json },
    '{"owner":"A","currency":"EUR","overdraftLimit":-1}',
    422,
    'VALIDATION_ERROR',
    'overdraftLimit',
  ],
  [
    'a bad account id',
    'POST',
    '/accounts/a%20b/deposits',
    { ...key, ...json },
    '{"amount":1,"currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'accountId',
  ],
  [
    'a close with a body',
    'POST',
    '/accounts/acc-1/close',
    { ...key, ...json },
    '{"force":true}',
    422,
    'VALIDATION_ERROR',
    'force',
  ],
  [
    'an oversized body',
    'POST',
    dep,
    { ...key, ...json },
    JSON.stringify({ amount: 1, currency: 'EUR', pad: 'x'.repeat(70_000) }),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'an unknown route',
    'POST',
    '/accounts/acc-1/transfers',
    { ...key, ...json },
    '{}',
    404,
    'NOT_FOUND',
  ],
  ['an unknown method', 'DELETE', '/accounts/acc-1', key, undefined, 404, 'NOT_FOUND'],
];

describe('bad input gets a 4xx problem+json and writes nothing', () => {
  it.each(cases)('%s', async (_what, method, path, headers, body, status, code, field) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...headers, ...bearer },
      ...(body === undefined ? {} : { body }),
    });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status, code });
    if (field) {
      const errors = problem['errors'] as { field: string; allowed: string }[];
      expect(errors.map((e) => e.field)).toContain(field);
      expect(errors.every((e) => e.allowed.length > 0)).toBe(true);
    }
    expect(gateway.submitted).toEqual([]);
  });

  it('names the value it saw and what is allowed', async () => {
    const res = await fetch(url + dep, {
      method: 'POST',
      headers: { ...key, ...json, ...bearer },
      body: '{"amount":1.5,"currency":"EUR"}',
    });
    const problem = (await res.json()) as { errors: unknown[] };
    expect(problem.errors).toEqual([
      { field: 'amount', value: 1.5, allowed: 'an integer number of minor units' },
    ]);
  });
});
