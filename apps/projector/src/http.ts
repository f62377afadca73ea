import type { ErrorRequestHandler, Response } from 'express';

/**
 * RFC 7807 problem details. Kept inside the projector because packages/service had no HTTP kit
 * yet when this was written; move to it once it has one.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export const badParam = (name: string, reason: string) =>
  new ProblemError(400, 'Bad Request', `${name}: ${reason}`, {
    'invalid-params': [{ name, reason }],
  });

export function sendProblem(res: Response, error: ProblemError, instance: string): void {
  res
    .status(error.status)
    .type('application/problem+json')
    .json({
      type: `https://tally.example/problems/${error.status}`,
      title: error.title,
      status: error.status,
      detail: error.detail,
      instance,
      ...error.extensions,
    });
}

export const problemMiddleware: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) return next(error);
  if (error instanceof ProblemError) return sendProblem(res, error, req.originalUrl);
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return sendProblem(
      res,
      new ProblemError(status, 'Bad Request', String(error)),
      req.originalUrl,
    );
  }
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', err: String(error) }));
  sendProblem(
    res,
    new ProblemError(500, 'Internal Server Error', 'unexpected error'),
    req.originalUrl,
  );
};
