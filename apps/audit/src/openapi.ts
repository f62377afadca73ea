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
      'Append-only, hash-chained audit log of bank.account-events.v1 (and command outcomes): verification, signed digests, inclusion proofs, the witness check against Kafka, and reports.',
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
          summary:
            'Sign (Ed25519) a digest of every chain head, the ingest offsets and the Merkle root of the period since the previous digest; store and export it',
          responses: { '201': json('the signed digest'), '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/digests/latest': {
      get: secured(
        admin,
        {
          summary: 'The newest signed digest',
          responses: { '200': json('signed digest'), '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/digests/{sequence}': {
      get: secured(
        admin,
        {
          summary: 'A signed digest by its sequence number',
          parameters: [
            {
              name: 'sequence',
              in: 'path',
              required: true,
              schema: { type: 'integer', minimum: 1 },
            },
          ],
          responses: { '200': json('signed digest'), '400': problem, '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/digests/check': {
      post: secured(
        admin,
        {
          summary:
            "Verify the log against a signed digest: its signature with the service's public key, then heads, offsets and the period's Merkle root",
          requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '200': json('verify report with `digest.signatureValid` and `digest.failures`'),
            '400': problem,
            '404': problem,
          },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/public-key': {
      get: secured(
        read,
        {
          summary: 'The Ed25519 public key that verifies the digests (PEM) and its key id',
          responses: { '200': json('{ algorithm, keyId, publicKeyPem }'), '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/entries/{chain}/{seq}/proof': {
      get: secured(
        read,
        {
          summary:
            'Inclusion proof of one entry (RFC 6962 audit path) against the signed digest whose period holds it',
          parameters: [
            {
              name: 'chain',
              in: 'path',
              required: true,
              schema: { type: 'string' },
              description: 'topic/partition, URL-encoded (bank.account-events.v1%2F3)',
            },
            { name: 'seq', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
          ],
          responses: { '200': json('{ digest, proof }'), '400': problem, '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/check-against-log': {
      post: secured(
        admin,
        {
          summary:
            'Re-read the audited topics and prove every record is in the log once, unchanged, in order, and nothing else; names the first difference',
          responses: {
            '200': json('witness report { ok, matched, firstDifference, partitions }'),
            '404': problem,
            '409': problem,
          },
        },
        { accounts: 'all' },
      ),
    },
    '/audit/witness/latest': {
      get: secured(
        admin,
        {
          summary: 'The last finished witness check (scheduled or requested)',
          responses: { '200': json('witness report'), '404': problem },
        },
        { accounts: 'all' },
      ),
    },
    '/reports/conservation': {
      get: secured(
        read,
        {
          summary:
            'Money conserved per currency at a cut: balances (folded with evolve) + money in flight (matched transfers) = deposits - withdrawals; names the first event that breaks it',
          parameters: [
            {
              name: 'digest',
              in: 'query',
              schema: { type: 'integer', minimum: 1 },
              description: 'cut at the offsets this signed digest covers',
            },
            {
              name: 'offsets',
              in: 'query',
              schema: { type: 'string' },
              description: 'cut at partition:nextOffset pairs of the events topic (0:120,3:88)',
            },
          ],
          responses: { '200': json('conservation report'), '400': problem, '404': problem },
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
              description:
                'inclusive; YYYY-MM-DD (midnight in tz), an ISO date-time with an offset or Z, or epoch ms',
            },
            {
              name: 'to',
              in: 'query',
              required: true,
              schema: { type: 'string' },
              description: 'exclusive; same forms as from',
            },
            {
              name: 'format',
              in: 'query',
              schema: { enum: ['json', 'csv', 'html', 'pdf'], default: 'json' },
            },
            {
              name: 'tz',
              in: 'query',
              schema: { type: 'string', default: 'UTC' },
              description: 'IANA time zone for dates given as YYYY-MM-DD and for times shown',
            },
          ],
          responses: {
            '200': {
              description: 'the statement',
              content: {
                'application/json': {},
                'text/csv': {},
                'text/html': {},
                'application/pdf': {},
              },
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
            'Activity of one day: counts and sums per currency by event type, refused commands by code, anomalies and version gaps of that day',
          parameters: [
            {
              name: 'date',
              in: 'query',
              required: true,
              schema: { type: 'string', format: 'date' },
            },
            { name: 'tz', in: 'query', schema: { type: 'string', default: 'UTC' } },
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
          summary:
            "Both ways at the audited version: the audit log's accounts against the projector's (its history where it is ahead); every account that differs or is missing on either side",
          responses: {
            '200': json('{ ok, accounts, counts, projectorBehind, problems, problemsTruncated }'),
            '502': problem,
          },
        },
        { accounts: 'all' },
      ),
    },
  },
});
