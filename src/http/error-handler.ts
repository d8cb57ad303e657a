import type { ErrorRequestHandler, Request, Response } from 'express';
import { FerriteError, MethodNotAllowed } from '../domain/errors';
import type { Logger } from '../log';

/** What went wrong with a request, as the handler classified it; a protocol's renderer writes the answer. */
export type Problem =
  | { kind: 'domain'; error: FerriteError }
  /** A 4xx raised by Express's own body reading or routing, with a message safe to show. */
  | { kind: 'client'; status: number; type: unknown; msg: string }
  /** Anything else: a bug, logged with the request id; the answer says nothing more. */
  | { kind: 'internal' };

/** How one protocol (IronMQ JSON, CrimsonQ text) writes an error answer. */
export type ErrorRenderer = (problem: Problem, req: Request, res: Response) => void;

/** Errors raised by Express's own body reading and routing carry a 4xx `status` and a safe message. */
interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  type?: unknown;
  message?: unknown;
}

function clientError(error: HttpishError): Extract<Problem, { kind: 'client' }> | null {
  const status = typeof error.status === 'number' ? error.status : error.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  const problem = (code: number, msg: string) => ({
    kind: 'client' as const,
    status: code,
    type: error.type,
    msg,
  });
  switch (error.type) {
    case 'entity.too.large':
      return problem(413, 'Request body is too large');
    case 'request.aborted':
      return problem(400, 'Request body was not received whole');
    case 'request.size.invalid':
      return problem(400, 'Request body length does not match Content-Length');
    case 'encoding.unsupported':
      return problem(415, 'Unsupported Content-Encoding');
    default:
      return problem(
        status,
        error.expose === true && typeof error.message === 'string' ? error.message : 'Bad request',
      );
  }
}

/**
 * The one Express error handler: classifies the error, does what every protocol does alike (Allow on a 405,
 * Retry-After and a warning on a 503, a logged 500 for anything unknown, a destroyed connection when the answer
 * had already begun), and lets the protocol's renderer write the answer in its own shape.
 */
export function errorHandler(log: Logger, render: ErrorRenderer): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof FerriteError) {
      if (error instanceof MethodNotAllowed && error.allowed.length > 0) {
        res.setHeader('Allow', error.allowed.join(', '));
      }
      if (error.code === 'store_unavailable' || error.code === 'server_busy') {
        log.warn(error.code === 'server_busy' ? 'server busy' : 'store unavailable', {
          requestId: res.locals.requestId as string,
          error: error.message,
        });
        res.setHeader('Retry-After', '1');
      }
      render({ kind: 'domain', error }, req, res);
      return;
    }
    const client = clientError(error as HttpishError);
    if (client) {
      render(client, req, res);
      return;
    }
    log.error('unhandled error', {
      requestId: res.locals.requestId as string,
      method: req.method,
      path: req.path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    render({ kind: 'internal' }, req, res);
  };
}
