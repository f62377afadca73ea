import {
  HttpProblem,
  mayAccessAccount,
  methodNotAllowed,
  principalOf,
  requireAccount,
  requireScope,
  SCOPES,
  type Principal,
} from '@tally/service';
import type { Express, Response } from 'express';
import { acceptedBody, commandRunner, type Accepted, type CommandRoutesDeps } from './api.js';
import { commandIdFor } from './ids.js';
import { transferReversed } from './problems.js';
import type { HoldView, TransferView } from './state/process-state.js';
import {
  captureRequest,
  holdRequest,
  parseAccountId,
  parseBody,
  parseProcessId,
  releaseRequest,
  transferRequest,
} from './validation.js';

/**
 * Transfers and holds over HTTP (ADR 0007, section 8). A transfer's id and a hold's id are the
 * command id of the command that starts it, so a retry with the same Idempotency-Key names the
 * same transfer or hold.
 */
export function processRoutes(app: Express, deps: CommandRoutesDeps): void {
  const { gateway, rateLimit } = deps;
  const writer = requireScope(SCOPES.ledgerWrite);
  const reader = requireScope(SCOPES.ledgerRead, SCOPES.ledgerWrite);
  const command = commandRunner(deps);
  const transferLocation = (transferId: string) => `/transfers/${transferId}`;

  /** Waits for the transfer's end: 201 completed, 409 reversed, else 202 with its URL. */
  const answerTransfer = async (transferId: string, { res, started }: Accepted) => {
    const view = await gateway.waitForTransfer(transferId, started);
    res.location(transferLocation(transferId));
    if (view?.state === 'reversed') throw transferReversed(view);
    if (view?.state === 'completed') {
      res.status(201).json(transferBody(view));
      return;
    }
    res
      .status(202)
      .set('Retry-After', '1')
      .json(view ? transferBody(view) : { transferId, state: 'debited' });
  };

  app.post(
    '/transfers',
    writer,
    rateLimit,
    command({
      type: 'TransferMoney',
      build: (req, key) => {
        const body = parseBody(transferRequest, req.body);
        return {
          type: 'TransferMoney',
          accountId: body.from,
          transferId: commandIdFor(body.from, key),
          toAccountId: body.to,
          amount: body.amount,
          currency: body.currency,
        };
      },
      pendingLocation: transferLocation,
      accepted: (accepted) => answerTransfer(accepted.outcome.commandId, accepted),
    }),
  );

  app.get('/transfers/:transferId', reader, (req, res) => {
    const caller = principalOf(req);
    const transferId = parseProcessId('transferId', String(req.params['transferId']));
    const view = gateway.transferOf(transferId);
    // A transfer is shown to callers of either account; to others it is unknown.
    if (view && (mayAccessAccount(caller, view.from) || mayAccessAccount(caller, view.to))) {
      res.json(transferBody(view));
      return;
    }
    if (!view) pendingOrNotFound(caller, res, transferId, 'TRANSFER_NOT_FOUND', 'Transfer');
    else notFound('TRANSFER_NOT_FOUND', 'Transfer', transferId);
  });

  app.post(
    '/accounts/:accountId/holds',
    writer,
    rateLimit,
    command({
      type: 'PlaceHold',
      build: (req, key) => {
        const accountId = parseAccountId(String(req.params['accountId']));
        const body = parseBody(holdRequest, req.body);
        return {
          type: 'PlaceHold',
          accountId,
          holdId: commandIdFor(accountId, key),
          amount: body.amount,
          currency: body.currency,
          expiresAt: Date.parse(body.expiresAt),
        };
      },
      pendingLocation: (holdId, placed) => holdLocation(placed.accountId, holdId),
      accepted: ({ outcome, command: placed, res, disclose }) => {
        if (placed.type !== 'PlaceHold') throw new Error('not a hold');
        res
          .status(201)
          .location(holdLocation(placed.accountId, placed.holdId))
          .json({
            ...acceptedBody(outcome, disclose),
            holdId: placed.holdId,
            amount: placed.amount,
            currency: placed.currency,
            expiresAt: new Date(placed.expiresAt).toISOString(),
            state: 'live',
            ...(disclose && outcome.held !== undefined && outcome.balance !== null
              ? { held: outcome.held, available: outcome.balance - outcome.held }
              : {}),
          });
      },
    }),
  );

  app.post(
    '/accounts/:accountId/holds/:holdId/capture',
    writer,
    rateLimit,
    command({
      type: 'CaptureHold',
      build: (req, key) => {
        const accountId = parseAccountId(String(req.params['accountId']));
        const holdId = parseProcessId('holdId', String(req.params['holdId']));
        const body = parseBody(captureRequest, req.body);
        if (body.to === accountId) {
          throw new HttpProblem(
            422,
            'VALIDATION_ERROR',
            'Validation error',
            'to: another account',
            {
              errors: [{ field: 'to', value: body.to, allowed: 'another account than the hold’s' }],
            },
          );
        }
        return {
          type: 'CaptureHold',
          accountId,
          holdId,
          amount: body.amount,
          currency: body.currency,
          ...(body.to === undefined
            ? {}
            : { toAccountId: body.to, transferId: commandIdFor(accountId, key) }),
        };
      },
      accepted: async (accepted) => {
        const { command: capture, res, outcome, disclose } = accepted;
        if (capture.type !== 'CaptureHold') throw new Error('not a capture');
        // A capture to another account is a transfer: answered like one.
        if (capture.transferId !== undefined) {
          await answerTransfer(capture.transferId, accepted);
          return;
        }
        res
          .status(201)
          .location(holdLocation(capture.accountId, capture.holdId))
          .json({ ...acceptedBody(outcome, disclose), holdId: capture.holdId, state: 'captured' });
      },
    }),
  );

  app.post(
    '/accounts/:accountId/holds/:holdId/release',
    writer,
    rateLimit,
    command({
      type: 'ReleaseHold',
      build: (req) => {
        const accountId = parseAccountId(String(req.params['accountId']));
        const holdId = parseProcessId('holdId', String(req.params['holdId']));
        parseBody(releaseRequest, req.body);
        return { type: 'ReleaseHold', accountId, holdId };
      },
      accepted: ({ command: release, res, outcome, disclose }) => {
        if (release.type !== 'ReleaseHold') throw new Error('not a release');
        res
          .status(201)
          .location(holdLocation(release.accountId, release.holdId))
          .json({ ...acceptedBody(outcome, disclose), holdId: release.holdId, state: 'released' });
      },
    }),
  );

  app.get('/accounts/:accountId/holds/:holdId', reader, (req, res) => {
    const caller = principalOf(req);
    const accountId = parseAccountId(String(req.params['accountId']));
    const holdId = parseProcessId('holdId', String(req.params['holdId']));
    // Before any lookup: the same 403 whether the hold exists or not.
    requireAccount(caller, accountId);
    const view = gateway.holdOf(holdId);
    if (view?.accountId === accountId) {
      res.json(holdBody(view));
      return;
    }
    pendingOrNotFound(caller, res, holdId, 'HOLD_NOT_FOUND', 'Hold');
  });

  /** A command still in flight answers 202; anything else this instance does not know, 404. */
  function pendingOrNotFound(
    caller: Principal,
    res: Response,
    id: string,
    code: string,
    what: string,
  ): void {
    const pendingAccount = gateway.pendingAccountOf(id);
    if (pendingAccount !== undefined && mayAccessAccount(caller, pendingAccount)) {
      res.status(202).set('Retry-After', '1').json({ id, status: 'pending' });
      return;
    }
    notFound(code, what, id);
  }

  app.all('/transfers', methodNotAllowed(['POST']));
  app.all('/transfers/:transferId', methodNotAllowed(['GET', 'HEAD']));
  app.all('/accounts/:accountId/holds', methodNotAllowed(['POST']));
  app.all('/accounts/:accountId/holds/:holdId/capture', methodNotAllowed(['POST']));
  app.all('/accounts/:accountId/holds/:holdId/release', methodNotAllowed(['POST']));
  app.all('/accounts/:accountId/holds/:holdId', methodNotAllowed(['GET', 'HEAD']));
}

function holdLocation(accountId: string, holdId: string): string {
  return `/accounts/${encodeURIComponent(accountId)}/holds/${holdId}`;
}

function notFound(code: string, what: string, id: string): never {
  throw new HttpProblem(
    404,
    code,
    `${what} not found`,
    `${what.toLowerCase()} ${id} is not known to this instance: unknown, past the idempotency ` +
      'window, or kept on partitions another instance owns and not among the recent views of ' +
      'this one; repeat the request with the same Idempotency-Key to get its state within the ' +
      'idempotency window',
    { id },
  );
}

/** A transfer as GET /transfers/:id shows it. */
export function transferBody(view: TransferView) {
  return {
    transferId: view.transferId,
    from: view.from,
    to: view.to,
    amount: view.amount,
    currency: view.currency,
    state: view.state,
    ...(view.reason === null ? {} : { reason: view.reason }),
  };
}

/** A hold as GET /holds/:id shows it. */
export function holdBody(view: HoldView) {
  return {
    holdId: view.holdId,
    accountId: view.accountId,
    amount: view.amount,
    currency: view.currency,
    expiresAt: new Date(view.expiresAt).toISOString(),
    state: view.state,
    ...(view.capturedAmount === null
      ? {}
      : { capturedAmount: view.capturedAmount, releasedAmount: view.releasedAmount }),
    ...(view.transferId === null ? {} : { transferId: view.transferId }),
    ...(view.reason === null ? {} : { reason: view.reason }),
  };
}
