import { randomUUID } from 'node:crypto';
import type { CommandBody } from '@tally/events';
import { eventIdsNeeded } from '@tally/ledger';
import {
  actorOf,
  canRead,
  HttpProblem,
  mayAccessAccount,
  methodNotAllowed,
  principalOf,
  requireAccount,
  requireScope,
  SCOPES,
} from '@tally/service';
import { setLogCorrelationId } from '@tally/telemetry';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { CommandGateway } from './gateway.js';
import { accountIdForKey, commandIdFor, requestHash } from './ids.js';
import type { IntakeMetrics } from './metrics.js';
import { disclosedRejection, idempotencyKeyReused, rejectionProblem } from './problems.js';
import type { Reply } from './state/ledger-state.js';
import {
  closeBody,
  movementBody,
  openAccountBody,
  parseAccountId,
  parseBody,
  parseIdempotencyKey,
  parseIfMatch,
  parseOptionalHeader,
} from './validation.js';

export interface CommandRoutesDeps {
  readonly gateway: CommandGateway;
  readonly metrics: IntakeMetrics;
  /** The per-caller rate limit of command requests. */
  readonly rateLimit: RequestHandler;
  readonly now?: () => number;
}

/** The commands a client may send (process commands only ever come from partition owners). */
export type ClientCommand = Exclude<
  CommandBody,
  { type: 'CreditTransfer' | 'CompleteTransfer' | 'ReverseTransfer' | 'ExpireHold' }
>;
export type BuildCommand = (req: Request, idempotencyKey: string) => ClientCommand;

/** What a route does with an accepted command (the default answers 201 with the outcome). */
export interface Accepted {
  readonly outcome: Reply;
  readonly command: ClientCommand;
  readonly res: Response;
  /** Whether the caller may read the command's account. */
  readonly disclose: boolean;
  /** performance.now() when the request arrived: waits end at the command timeout from here. */
  readonly started: number;
}

export interface CommandRoute {
  readonly type: ClientCommand['type'];
  readonly build: BuildCommand;
  /** Where a command still pending is looked up (default `/commands/<commandId>`). */
  readonly pendingLocation?: (commandId: string, command: ClientCommand) => string;
  readonly accepted?: (accepted: Accepted) => Promise<void> | void;
}

/**
 * Turns an HTTP request into a command record and its outcome back into HTTP. Mounted behind
 * authenticate: the verified caller is the actor, its account limit is checked before any lookup,
 * and balances and versions are shown only to callers that may read the account (SECURITY.md).
 */
export function commandRunner(deps: CommandRoutesDeps) {
  const { gateway, metrics, now = Date.now } = deps;

  return (route: CommandRoute) => async (req: Request, res: Response) => {
    const { type, build } = route;
    const started = performance.now();
    let result = 'error';
    try {
      const caller = principalOf(req);
      const idempotencyKey = parseIdempotencyKey(req.get('Idempotency-Key'));
      const expectedVersion = parseIfMatch(req.get('If-Match'));
      const correlationId =
        parseOptionalHeader('X-Correlation-Id', req.get('X-Correlation-Id')) ?? randomUUID();
      setLogCorrelationId(correlationId);
      const command = build(req, idempotencyKey);
      // Before any lookup: the same 403 whether the account exists or not.
      requireAccount(caller, command.accountId);
      const disclose = canRead(caller, command.accountId);
      if (expectedVersion !== undefined) command.expectedVersion = expectedVersion;
      const commandId = commandIdFor(command.accountId, idempotencyKey);
      const hash = requestHash(command);

      // A recent answer is given from memory: a retry writes nothing. Otherwise the partition
      // owner decides, or answers a retry from its idempotency records.
      const cached = gateway.answerOf(commandId);
      const answer =
        cached ??
        (await gateway.submit({
          v: 1,
          commandId,
          idempotencyKey,
          requestHash: hash,
          correlationId,
          actor: actorOf(caller),
          receivedAt: now(),
          ...eventIdsFor(type),
          command,
        }));
      if (answer === undefined) {
        result = 'pending';
        res
          .status(202)
          .location(route.pendingLocation?.(commandId, command) ?? `/commands/${commandId}`)
          .set('Retry-After', '1')
          .json({ commandId, accountId: command.accountId, status: 'pending' });
        return;
      }
      const outcome = answer.reply;
      if (outcome.requestHash !== hash) throw idempotencyKeyReused(commandId);
      if (cached || answer.replayed) res.set('Idempotent-Replayed', 'true');
      result = outcome.outcome;
      if (outcome.outcome === 'rejected') throw rejectionProblem(outcome, disclose);
      metrics.accepted.inc({ type });
      if (route.accepted) {
        await route.accepted({ outcome, command, res, disclose, started });
        return;
      }
      res.status(201).location(`/commands/${commandId}`);
      if (disclose) res.set('ETag', `"${outcome.version}"`);
      res.json(acceptedBody(outcome, disclose));
    } catch (error) {
      if (error instanceof HttpProblem) {
        result = 'rejected';
        metrics.rejected.inc({ type, code: error.code });
      }
      throw error;
    } finally {
      metrics.latency.observe({ type, result }, (performance.now() - started) / 1000);
    }
  };
}

/** The ids of the events a command may make, fixed in its record: a capture makes two. */
function eventIdsFor(type: ClientCommand['type']): { eventId: string; eventIds?: string[] } {
  const ids = Array.from({ length: eventIdsNeeded(type) }, () => randomUUID());
  const [eventId] = ids as [string];
  return ids.length === 1 ? { eventId } : { eventId, eventIds: ids };
}

/** The account command endpoints and the command status look-up. */
export function commandRoutes(app: Express, deps: CommandRoutesDeps): void {
  const { gateway, rateLimit } = deps;
  const writer = requireScope(SCOPES.ledgerWrite);
  const command = commandRunner(deps);
  const run = (type: ClientCommand['type'], build: BuildCommand) => command({ type, build });

  app.post(
    '/accounts',
    writer,
    rateLimit,
    run('OpenAccount', (req, key) => {
      const body = parseBody(openAccountBody, req.body);
      return {
        type: 'OpenAccount',
        accountId: body.accountId ?? accountIdForKey(key),
        owner: body.owner,
        currency: body.currency,
        ...(body.overdraftLimit === undefined ? {} : { overdraftLimit: body.overdraftLimit }),
      };
    }),
  );
  for (const [path, type] of [
    ['deposits', 'DepositMoney'],
    ['withdrawals', 'WithdrawMoney'],
  ] as const) {
    app.post(
      `/accounts/:accountId/${path}`,
      writer,
      rateLimit,
      run(type, (req) => {
        const accountId = parseAccountId(String(req.params['accountId']));
        const body = parseBody(movementBody, req.body);
        return { type, accountId, amount: body.amount, currency: body.currency };
      }),
    );
  }
  app.post(
    '/accounts/:accountId/close',
    writer,
    rateLimit,
    run('CloseAccount', (req) => {
      const accountId = parseAccountId(String(req.params['accountId']));
      parseBody(closeBody, req.body);
      return { type: 'CloseAccount', accountId };
    }),
  );

  app.get(
    '/commands/:commandId',
    requireScope(SCOPES.ledgerRead, SCOPES.ledgerWrite),
    (req, res) => {
      const caller = principalOf(req);
      const commandId = String(req.params['commandId']);
      // A command of an account the caller may not see is answered like an unknown one.
      const reply = gateway.answerOf(commandId)?.reply;
      if (reply && mayAccessAccount(caller, reply.accountId)) {
        res.json(statusBody(reply, canRead(caller, reply.accountId)));
        return;
      }
      const pendingAccount = reply ? undefined : gateway.pendingAccountOf(commandId);
      if (pendingAccount !== undefined && mayAccessAccount(caller, pendingAccount)) {
        res.status(202).set('Retry-After', '1').json({ commandId, status: 'pending' });
        return;
      }
      throw new HttpProblem(
        404,
        'COMMAND_NOT_FOUND',
        'Command not found',
        `command ${commandId} is not known to this instance: unknown, decided before this instance ` +
          'started and no longer in its recent answers, or past the idempotency window; repeat the ' +
          'request with the same Idempotency-Key to get its outcome within the window',
        { commandId },
      );
    },
  );

  // Known paths asked with another method: 405 with Allow, not 404.
  for (const path of [
    '/accounts',
    '/accounts/:accountId/deposits',
    '/accounts/:accountId/withdrawals',
    '/accounts/:accountId/close',
  ]) {
    app.all(path, methodNotAllowed(['POST']));
  }
  app.all('/commands/:commandId', methodNotAllowed(['GET', 'HEAD']));
}

/** An accepted command; its version and the balance after it only for readers of the account. */
export function acceptedBody(outcome: Reply, disclose: boolean) {
  return {
    commandId: outcome.commandId,
    accountId: outcome.accountId,
    eventIds: outcome.eventIds,
    ...(disclose
      ? { version: outcome.version, balance: outcome.balance, currency: outcome.currency }
      : {}),
  };
}

function statusBody(outcome: Reply, disclose: boolean) {
  return {
    ...acceptedBody(outcome, disclose),
    status: outcome.outcome,
    rejection: disclosedRejection(outcome, disclose),
  };
}
