import { apiDocument, problemResponse, SCOPES, secured } from '@tally/service';

/** OpenAPI 3.1 description of the audit service, served at /openapi.json. */
const problem = problemResponse('RFC 9457 problem details');
const read = [SCOPES.auditRead];
const admin = [SCOPES.auditAdmin];
const json = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});

export const openApiDocument = apiDocument({
  info: {
    title: 'Tally audit log',
    version: '1.0.0',
    description:
      'Append-only, hash-chained audit log of bank.account-events.v1 (and command outcomes), verification and reports.',
  },
  readiness: 'Consuming, caught up, no unacknowledged anomaly, keys',
  paths: {
    '/audit/accounts/{id}/entries': {
      get: secured(
        read,
        {
          summary: 'Audit entries of one account, oldest first, paged',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            {
              name: 'after',
              in: 'query',
              schema: { type: 'integer', minimum: 0 },
              description: 'cursor: `next` of the previous page',
            },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
          ],
          responses: {
            '200': json('a page of entries: { accountId, items, next }'),
            '400': problem,
          },
        },
        { accounts: 'one' },
      ),
    },
    '/audit/verify': {
      get: secured(
        read,
        {
          summary: 'Recompute every chain; names the first entry that does not match',
          responses: { '200': json('{ ok, entries, chains, firstFailure, failures, durationMs }') },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/anomalies': {
      get: secured(
        read,
        {
          summary: 'Records that could not be decoded, as recorded',
          responses: { '200': json('{ items }') },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/digests': {
      post: secured(
        admin,
        {
          summary: 'Sign (HMAC-SHA256) and store a digest of every chain head; export the answer',
          responses: { '201': json('the signed digest'), '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/digests/latest': {
      get: secured(
        admin,
        {
          summary: 'The newest stored digest',
          responses: { '200': json('digest'), '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/digests/check': {
      post: secured(
        admin,
        {
          summary:
            'Verify the log against an exported digest (signature, heads still present and unchanged)',
          requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '200': json('verify report with `digest.signatureValid`'),
            '400': problem,
            '404': problem,
          },
        },
        { accounts: 'all' },
      ),
    },
    '/reports/statement': {
      get: secured(
        read,
        {
          summary:
            'Account statement for a period: opening, movements with running balance, closing',
          parameters: [
            { name: 'account', in: 'query', required: true, schema: { type: 'string' } },
            {
              name: 'from',
              in: 'query',
              required: true,
              schema: { type: 'string' },
              description: 'inclusive; YYYY-MM-DD (UTC), ISO date-time or epoch ms',
            },
            {
              name: 'to',
              in: 'query',
              required: true,
              schema: { type: 'string' },
              description: 'exclusive',
            },
            {
              name: 'format',
              in: 'query',
              schema: { enum: ['json', 'csv', 'html'], default: 'json' },
            },
          ],
          responses: {
            '200': {
              description: 'the statement',
              content: { 'application/json': {}, 'text/csv': {}, 'text/html': {} },
            },
            '400': problem,
            '404': problem,
          },
        },
        { accounts: 'one' },
      ),
    },
    '/reports/daily': {
      get: secured(
        read,
        {
          summary:
            'Activity of one UTC day: counts and sums by event type, refused commands by code',
          parameters: [
            {
              name: 'date',
              in: 'query',
              required: true,
              schema: { type: 'string', format: 'date' },
            },
          ],
          responses: { '200': json('daily summary'), '400': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/reports/reconciliation': {
      get: secured(
        read,
        {
          summary: "Balances folded from the audit log against the projector's API; every mismatch",
          responses: { '200': json('{ accounts, mismatches, ok }'), '502': problem },
        },
        { accounts: 'all' },
      ),
    },
  },
});
