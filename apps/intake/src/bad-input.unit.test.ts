import type { Server } from 'node:http';
import { connect } from 'node:net';
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
  ...['"2', '2"', 'W/"2"', '2', '*', '"2", "3"'].map((ifMatch): (typeof cases)[number] => [
    `If-Match ${ifMatch}`,
    'POST',
    dep,
    { ...key, ...json, 'If-Match': ifMatch },
    '{"amount":1,"currency":"EUR"}',
    400,
    'INVALID_IF_MATCH',
    'If-Match',
  ]),
  [
    'a text/plain body',
    'POST',
    dep,
    { ...key, 'content-type': 'text/plain' },
    '{"amount":1,"currency":"EUR"}',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a form body',
    'POST',
    dep,
    { ...key, 'content-type': 'application/x-www-form-urlencoded' },
    'amount=1&currency=EUR',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'deep nesting in a field',
    'POST',
    '/accounts',
    { ...key, ...json },
    `{"owner":${'['.repeat(40)}${']'.repeat(40)},"currency":"EUR"}`,
    400,
    'JSON_TOO_DEEP',
  ],
  [
    'the account id .',
    'POST',
    '/accounts',
    { ...key, ...json },
    '{"accountId":".","owner":"A","currency":"EUR"}',
    422,
    'VALIDATION_ERROR',
    'accountId',
  ],
  ...['Ada\u0000', 'A\u001bda', 'Ada\u007f', 'Ada\u0085', 'A\ud800'].map(
    (owner): (typeof cases)[number] => [
      `an owner with ${JSON.stringify(owner)}`,
      'POST',
      '/accounts',
      { ...key, ...json },
      JSON.stringify({ owner, currency: 'EUR' }),
      422,
      'VALIDATION_ERROR',
      'owner',
    ],
  ),
  ...(
    [
      ['DELETE', dep],
      ['PUT', '/accounts'],
      ['PATCH', '/accounts/acc-1/close'],
      ['POST', '/commands/c-1'],
      ['POST', '/openapi.json'],
      ['POST', '/readyz'],
    ] as const
  ).map(([method, path]): (typeof cases)[number] => [
    `${method} ${path}`,
    method,
    path,
    key,
    undefined,
    405,
    'METHOD_NOT_ALLOWED',
  ]),
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

  it('answers 405 with the methods the path allows', async () => {
    const post = await fetch(`${url}/commands/c-1`, { method: 'POST', headers: bearer });
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const del = await fetch(url + dep, { method: 'DELETE', headers: bearer });
    expect(del.headers.get('allow')).toBe('POST');
  });

  it('refuses 5,000 levels of nesting with a 400 that does not echo the body', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    for (const body of [deep, `{"amount":${deep},"currency":"EUR"}`]) {
      const res = await fetch(url + dep, {
        method: 'POST',
        headers: { ...key, ...json, ...bearer },
        body,
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'JSON_TOO_DEEP' });
      expect(text).not.toContain('[[');
    }
  });

  it('never echoes a whole structure in a validation error', async () => {
    const res = await fetch(url + dep, {
      method: 'POST',
      headers: { ...key, ...json, ...bearer },
      body: JSON.stringify({ amount: { a: [1, 2, 3] }, currency: 'x'.repeat(5_000) }),
    });
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text.length).toBeLessThan(2_000);
    expect(text).toContain('(an object)');
  });

  it('accepts any +json media type', async () => {
    const res = await fetch(url + dep, {
      method: 'POST',
      headers: { ...key, 'content-type': 'application/vnd.tally+json; charset=utf-8', ...bearer },
      body: '{"amount":1,"currency":"EUR"}',
    });
    expect(res.status).toBe(202);
    gateway.submitted.length = 0;
  });

  it.each([
    [
      'headers too large',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    ['a broken request line', 'GET /healthz HTTP/9 nonsense\r\n\r\n', 400, 'BAD_REQUEST'],
  ])("answers Node's own refusals as problem+json: %s", async (_what, raw, status, code) => {
    const answer = await rawRequest(url, raw);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head.toLowerCase()).toContain('content-type: application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status, code });
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

/** Sends raw bytes (what fetch would refuse to send) and returns the whole answer. */
function rawRequest(base: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(raw));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
