import {
  CURRENCY_CODES,
  MAX_ACCOUNT_ID_LENGTH,
  MAX_AMOUNT_MINOR,
  MAX_OVERDRAFT_LIMIT_MINOR,
  MAX_OWNER_LENGTH,
  PLAIN_TEXT_PATTERN,
  REJECTION_CODES,
} from '@tally/ledger';
import { apiDocument, SCOPES, secured } from '@tally/service';
import { REJECTION_STATUS } from './problems.js';
import {
  ACCOUNT_ID_PATTERN,
  HEADER_TOKEN_PATTERN,
  IF_MATCH_PATTERN,
  PROCESS_ID_PATTERN,
} from './validation.js';

const problem = { $ref: '#/components/responses/Problem' };
const commandHeaders = [
  { $ref: '#/components/parameters/IdempotencyKey' },
  { $ref: '#/components/parameters/IfMatch' },
  { $ref: '#/components/parameters/CorrelationId' },
];
const accountIdParam = {
  name: 'accountId',
  in: 'path',
  required: true,
  schema: { $ref: '#/components/schemas/AccountId' },
};
const commandResponses = {
  '201': {
    description: 'Accepted: the events are durable in Kafka',
    headers: {
      ETag: {
        description: 'New account version (only for callers with ledger:read on the account)',
        schema: { type: 'string' },
      },
    },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
  },
  '202': {
    description: 'Not decided within the timeout; poll the Location',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Pending' } } },
  },
  '400': problem,
  '404': problem,
  '405': problem,
  '409': problem,
  '412': problem,
  '413': problem,
  '415': problem,
  '422': problem,
  '431': problem,
};

function command(summary: string, body: object | undefined, withAccount: boolean) {
  return {
    post: secured(
      [SCOPES.ledgerWrite],
      {
        summary,
        parameters: withAccount ? [accountIdParam, ...commandHeaders] : commandHeaders,
        ...(body
          ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } }
          : {}),
        responses: commandResponses,
      },
      { accounts: 'one', rateLimited: true },
    ),
  };
}

const movement = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: {
    amount: { $ref: '#/components/schemas/Amount' },
    currency: { $ref: '#/components/schemas/Currency' },
  },
};

const processIdParam = (name: 'transferId' | 'holdId') => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: PROCESS_ID_PATTERN },
});

const transferAnswers = {
  ...commandResponses,
  '201': {
    description: 'The transfer completed: debited, credited and completed',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Transfer' } } },
  },
  '202': {
    description:
      'Debited or not decided within the timeout: money in flight; poll the Location (the transfer)',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Transfer' } } },
  },
  '409': {
    ...problem,
    description:
      'Refused at the source (e.g. INSUFFICIENT_FUNDS), or TRANSFER_REVERSED: the destination ' +
      'refused the credit (reason) and the debit was reversed',
  },
};

function lookUp(summary: string, params: object[], schema: string) {
  return {
    get: secured(
      [SCOPES.ledgerRead, SCOPES.ledgerWrite],
      {
        summary,
        parameters: params,
        responses: {
          '200': {
            description: 'Known to this instance',
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
          },
          '202': {
            description: 'Submitted and not decided yet',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Pending' } } },
          },
          '403': problem,
          '404': { ...problem, description: 'Unknown here, or of accounts the token may not see' },
          '405': problem,
          '422': problem,
        },
      },
      { accounts: 'one' },
    ),
  };
}

/** OpenAPI 3.1 description of the intake; a test checks its paths against the express routes. */
export const openApiDocument = apiDocument({
  info: {
    title: 'Tally command intake',
    version: '1.0.0',
    description:
      'Commands on bank accounts. Every command needs an Idempotency-Key, scoped to the account. ' +
      'The actor recorded in the events is the verified token’s subject (and client). Balances, ' +
      'versions and the account state behind a refusal are shown only to tokens with ledger:read ' +
      'on the account; other callers get the outcome, its code and the command id. ' +
      `Rejection codes and their statuses: ${REJECTION_CODES.map((c) => `${c} ${REJECTION_STATUS[c]}`).join(', ')}.`,
  },
  readiness: 'Readiness: events and outcomes read, command partitions taken over, keys',
  paths: {
    '/accounts': command(
      'Open an account (accountId derived from the Idempotency-Key when omitted)',
      {
        type: 'object',
        additionalProperties: false,
        required: ['owner', 'currency'],
        properties: {
          accountId: { $ref: '#/components/schemas/AccountId' },
          owner: {
            type: 'string',
            minLength: 1,
            maxLength: MAX_OWNER_LENGTH,
            pattern: PLAIN_TEXT_PATTERN,
            description: 'not blank; no control characters',
          },
          currency: { $ref: '#/components/schemas/Currency' },
          overdraftLimit: { type: 'integer', minimum: 0, maximum: MAX_OVERDRAFT_LIMIT_MINOR },
        },
      },
      false,
    ),
    '/accounts/{accountId}/deposits': command('Deposit money', movement, true),
    '/accounts/{accountId}/withdrawals': command('Withdraw money', movement, true),
    '/accounts/{accountId}/close': command('Close an account at balance 0', undefined, true),
    '/transfers': {
      post: {
        ...command(
          'Move money from one account to another (ADR 0007): waits for the end state up to the ' +
            'command timeout; a token limited to accounts moves money only from them',
          {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to', 'amount', 'currency'],
            properties: {
              from: { $ref: '#/components/schemas/AccountId' },
              to: { $ref: '#/components/schemas/AccountId', description: 'another account' },
              amount: { $ref: '#/components/schemas/Amount' },
              currency: { $ref: '#/components/schemas/Currency' },
            },
          },
          false,
        ).post,
        responses: transferAnswers,
      },
    },
    '/transfers/{transferId}': lookUp(
      'A transfer: debited (in flight), credited, completed, reversed or rejected',
      [processIdParam('transferId')],
      'Transfer',
    ),
    '/accounts/{accountId}/holds': command(
      'Reserve money until it is captured, released or expires at expiresAt',
      {
        type: 'object',
        additionalProperties: false,
        required: ['amount', 'currency', 'expiresAt'],
        properties: {
          amount: { $ref: '#/components/schemas/Amount' },
          currency: { $ref: '#/components/schemas/Currency' },
          expiresAt: {
            type: 'string',
            format: 'date-time',
            description: 'after now, at most 30 days ahead',
          },
        },
      },
      true,
    ),
    '/accounts/{accountId}/holds/{holdId}': lookUp(
      'A hold: live, captured, released, expired or rejected',
      [accountIdParam, processIdParam('holdId')],
      'Hold',
    ),
    '/accounts/{accountId}/holds/{holdId}/capture': {
      post: {
        ...command(
          'Capture a live hold, fully or partly (the rest is released): a withdrawal, or with ' +
            '`to` a transfer answered like POST /transfers',
          {
            ...movement,
            properties: { ...movement.properties, to: { $ref: '#/components/schemas/AccountId' } },
          },
          true,
        ).post,
        parameters: [accountIdParam, processIdParam('holdId'), ...commandHeaders],
      },
    },
    '/accounts/{accountId}/holds/{holdId}/release': {
      post: {
        ...command('Release a live hold', undefined, true).post,
        parameters: [accountIdParam, processIdParam('holdId'), ...commandHeaders],
      },
    },
    '/commands/{commandId}': {
      get: secured(
        [SCOPES.ledgerRead, SCOPES.ledgerWrite],
        {
          summary: 'Outcome of a command',
          parameters: [
            { name: 'commandId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'Decided',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            '202': {
              description: 'Submitted and not decided yet (on every instance that read it)',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/Pending' } },
              },
            },
            '404': {
              ...problem,
              description:
                'Unknown, not processed yet, or of an account the token is not limited to',
            },
            '405': problem,
          },
        },
        { accounts: 'one' },
      ),
    },
  },
  components: {
    parameters: {
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
        description: 'Same key and body: the first outcome again. Same key, other body: 422.',
        schema: { type: 'string', pattern: HEADER_TOKEN_PATTERN },
      },
      IfMatch: {
        name: 'If-Match',
        in: 'header',
        required: false,
        description:
          'Expected account version as one strong entity tag, e.g. "7"; weak tags are refused; ' +
          '412 VERSION_CONFLICT when it differs',
        schema: { type: 'string', pattern: IF_MATCH_PATTERN },
      },
      CorrelationId: {
        name: 'X-Correlation-Id',
        in: 'header',
        required: false,
        schema: { type: 'string', pattern: HEADER_TOKEN_PATTERN },
      },
    },
    schemas: {
      AccountId: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_ACCOUNT_ID_LENGTH,
        pattern: ACCOUNT_ID_PATTERN,
      },
      Amount: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_AMOUNT_MINOR,
        description: 'minor units',
      },
      Currency: { type: 'string', enum: [...CURRENCY_CODES] },
      Accepted: {
        type: 'object',
        description:
          'version, balance and currency only for callers with ledger:read on the account',
        required: ['commandId', 'accountId', 'eventIds'],
        properties: {
          commandId: { type: 'string', format: 'uuid' },
          accountId: { type: 'string' },
          eventIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
          version: { type: 'integer' },
          balance: { type: 'integer' },
          currency: { type: 'string' },
        },
      },
      Transfer: {
        type: 'object',
        required: ['transferId', 'state'],
        properties: {
          transferId: { type: 'string', format: 'uuid' },
          from: { type: 'string' },
          to: { type: 'string' },
          amount: { type: 'integer' },
          currency: { type: 'string' },
          state: { enum: ['debited', 'credited', 'completed', 'reversed', 'rejected'] },
          reason: { type: 'string', description: 'the refusal code (rejected, reversed)' },
        },
      },
      Hold: {
        type: 'object',
        required: ['holdId', 'accountId', 'state'],
        properties: {
          holdId: { type: 'string', format: 'uuid' },
          accountId: { type: 'string' },
          amount: { type: 'integer' },
          currency: { type: 'string' },
          expiresAt: { type: 'string', format: 'date-time' },
          state: { enum: ['live', 'captured', 'released', 'expired', 'rejected'] },
          capturedAmount: { type: 'integer' },
          releasedAmount: { type: 'integer' },
          transferId: { type: 'string', format: 'uuid' },
          reason: { type: 'string' },
        },
      },
      Pending: {
        type: 'object',
        properties: { commandId: { type: 'string' }, status: { const: 'pending' } },
      },
    },
    responses: {
      Problem: {
        description: 'RFC 7807 problem details with a stable code',
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        },
      },
    },
  },
});
