const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problem } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const minVersion = {
  name: 'minVersion',
  in: 'query',
  description: 'Read-your-writes: wait (bounded) until the projected version reaches N',
  schema: { type: 'integer', minimum: 1 },
};
const limit = {
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
};
const waitErrors = {
  '404': problemResponse('unknown account'),
  '400': problemResponse('a bad parameter, named in invalid-params'),
  '409': problemResponse(
    'the account is closed at a lower version than minVersion; currentVersion given',
  ),
  '504': problemResponse('minVersion not reached within the wait; currentVersion given'),
};

/** OpenAPI 3.1 description served at /openapi.json. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Tally projector: balances read model', version: '0.1.0' },
  paths: {
    '/accounts': {
      get: {
        summary: 'Accounts, ordered by id, paged by cursor',
        parameters: [limit, { name: 'after', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'a page of accounts' }, '400': waitErrors['400'] },
      },
    },
    '/accounts/{id}': {
      get: {
        summary: 'One account',
        parameters: [idParam, minVersion],
        responses: { '200': { description: 'the account' }, ...waitErrors },
      },
    },
    '/accounts/{id}/balance': {
      get: {
        summary: 'Balance now, or as of a time (index lookup in balance_history)',
        parameters: [
          idParam,
          minVersion,
          { name: 'asOf', in: 'query', schema: { type: 'string', format: 'date-time' } },
        ],
        responses: { '200': { description: 'the balance' }, ...waitErrors },
      },
    },
    '/accounts/{id}/history': {
      get: {
        summary: 'Balance history, oldest first, paged by version',
        parameters: [
          idParam,
          minVersion,
          limit,
          { name: 'afterVersion', in: 'query', schema: { type: 'integer' } },
        ],
        responses: { '200': { description: 'a page of history rows' }, ...waitErrors },
      },
    },
    '/healthz': { get: { summary: 'alive', responses: { '200': { description: 'alive' } } } },
    '/readyz': {
      get: {
        summary: 'store reachable, no halted partition, lag under the limit',
        responses: {
          '200': { description: 'ready' },
          '503': { description: 'not ready, with reasons' },
        },
      },
    },
    '/metrics': {
      get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text' } } },
    },
  },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
        },
      },
    },
  },
} as const;
