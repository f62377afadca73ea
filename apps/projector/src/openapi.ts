import { apiDocument, problemResponse, SCOPES, secured } from '@tally/service';

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
const read = [SCOPES.ledgerRead];

/** OpenAPI 3.1 description served at /openapi.json. */
export const openApiDocument = apiDocument({
  info: { title: 'Tally projector: balances read model', version: '0.1.0' },
  readiness: 'store reachable, no halted partition, lag under the limit, keys',
  paths: {
    '/accounts': {
      get: secured(
        read,
        {
          summary: 'Accounts, ordered by id, paged by cursor',
          parameters: [limit, { name: 'after', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'a page of accounts' }, '400': waitErrors['400'] },
        },
        { accounts: 'all' },
      ),
    },
    '/accounts/{id}': {
      get: secured(
        read,
        {
          summary: 'One account',
          parameters: [idParam, minVersion],
          responses: { '200': { description: 'the account' }, ...waitErrors },
        },
        { accounts: 'one' },
      ),
    },
    '/accounts/{id}/balance': {
      get: secured(
        read,
        {
          summary: 'Balance now, or as of a time (index lookup in balance_history)',
          parameters: [
            idParam,
            minVersion,
            {
              name: 'asOf',
              in: 'query',
              schema: { type: 'string' },
              description:
                'YYYY-MM-DD (start of that day, UTC), an RFC 3339 date-time with Z or an offset, or epoch ms; a date that does not exist is refused',
            },
          ],
          responses: { '200': { description: 'the balance' }, ...waitErrors },
        },
        { accounts: 'one' },
      ),
    },
    '/accounts/{id}/history': {
      get: secured(
        read,
        {
          summary: 'Balance history, oldest first, paged by version',
          parameters: [
            idParam,
            minVersion,
            limit,
            { name: 'afterVersion', in: 'query', schema: { type: 'integer' } },
          ],
          responses: { '200': { description: 'a page of history rows' }, ...waitErrors },
        },
        { accounts: 'one' },
      ),
    },
  },
});
