import type { ErrorRequestHandler, RequestHandler } from 'express';

export type ProblemExtensions = Readonly<Record<string, unknown>>;

/**
 * The one error base of every service's HTTP layer: a stable machine-readable `code`, the HTTP
 * status and the extension members of the RFC 7807 problem document it becomes.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem document of an HttpProblem; `type` is a stable URN derived from the code. */
export function problemBody(problem: HttpProblem, instance?: string): Record<string, unknown> {
  return {
    type: `urn:tally:problem:${problem.code.toLowerCase().replaceAll('_', '-')}`,
    title: problem.title,
    status: problem.status,
    code: problem.code,
    detail: problem.detail,
    ...(instance === undefined ? {} : { instance }),
    ...problem.extensions,
  };
}

/** Errors body-parser and express raise for bad requests, mapped to stable codes. */
function fromFrameworkError(error: unknown): HttpProblem | undefined {
  const e = error as { type?: unknown; status?: unknown; limit?: unknown; message?: unknown };
  if (typeof e !== 'object' || e === null || typeof e.status !== 'number') return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return new HttpProblem(
        413,
        'PAYLOAD_TOO_LARGE',
        'Payload too large',
        `the request body is larger than the limit of ${String(e.limit)} bytes`,
        { limit: e.limit },
      );
    case 'entity.parse.failed':
      return new HttpProblem(
        400,
        'MALFORMED_JSON',
        'Malformed JSON',
        `the request body is not valid JSON: ${String(e.message)}`,
      );
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpProblem(
        415,
        'UNSUPPORTED_ENCODING',
        'Unsupported encoding',
        String(e.message),
      );
    default:
      if (e.status >= 400 && e.status < 500) {
        return new HttpProblem(e.status, 'BAD_REQUEST', 'Bad request', String(e.message));
      }
      return undefined;
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * The error, or one of its causes (a client's retries gave up on it), says nobody answered, or
 * says by its client's own mark (`retriable`, as kafkajs and this repository's errors set it)
 * that the same request may succeed later (e.g. no partition leader during an election).
 */
function unavailable(error: unknown, depth: number): boolean {
  const e = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    retriable?: unknown;
  } | null;
  if (typeof e !== 'object' || e === null || depth > 5) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  return (
    e.retriable === true ||
    UNREACHABLE.has(code) ||
    code.startsWith('08') ||
    /^57P0[123]$/.test(code) ||
    /Connection terminated/i.test(String(e.message)) ||
    unavailable(e.cause, depth + 1)
  );
}

/**
 * A dependency that does not answer (the database stopped, restarting or unreachable): the
 * request may succeed later, so 503 with Retry-After, not a 500 that says the service is broken.
 * SQLSTATE class 08 is a connection exception, 57P01-57P03 a server shutting down or starting.
 */
function fromUnavailableDependency(error: unknown): HttpProblem | undefined {
  if (!unavailable(error, 0)) return undefined;
  return new HttpProblem(
    503,
    'DEPENDENCY_UNAVAILABLE',
    'Dependency unavailable',
    'a store or service this one depends on does not answer; try again shortly',
  );
}

/** Answers 404 problem+json for any route no handler took. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(
    new HttpProblem(404, 'NOT_FOUND', 'Not found', `no route for ${req.method} ${req.path}`, {
      method: req.method,
      path: req.path,
    }),
  );
};

/** Answers 405 problem+json with `Allow` for a known path asked with another method. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, res, next) => {
    res.set('Allow', allow);
    next(
      new HttpProblem(
        405,
        'METHOD_NOT_ALLOWED',
        'Method not allowed',
        `${req.method} is not allowed on ${req.path}; allowed: ${allow}`,
        { method: req.method, allowed },
      ),
    );
  };
}

/**
 * Maps every error to problem+json. Known problems keep their status; a dependency that does not
 * answer is 503; anything else is a bug, logged with its stack and answered 500 without internals.
 */
export function problemMiddleware(
  log: (error: unknown, message: string) => void,
): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem =
      error instanceof HttpProblem
        ? error
        : (fromFrameworkError(error) ??
          fromUnavailableDependency(error) ??
          new HttpProblem(500, 'INTERNAL', 'Internal error', 'an unexpected error occurred'));
    if (problem.status >= 500) log(error, 'request failed');
    if (problem.code === 'DEPENDENCY_UNAVAILABLE') res.set('Retry-After', '1');
    res
      .status(problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problemBody(problem, req.originalUrl)));
  };
}
