import type { ErrorRequestHandler } from 'express';
import { FerriteError, type ErrorCode } from '../domain/errors';
import type { Logger } from '../log';
import { CQ_ERROR, CQ_HTTP, cannotRoute } from './crimsonq/wire';
import { sendJson } from './respond';
import { MSG } from './wire';

/** The only place that knows HTTP statuses of domain errors. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'invalid_input':
    case 'unsupported_operation':
      return 400;
    case 'unauthorized':
      return 401;
    case 'reservation_mismatch':
    case 'message_reserved':
      return 403;
    // Raised only by the CrimsonQ façade, which answers its own codes (crimsonq code mapping); 400 elsewhere.
    case 'wrong_state':
    case 'consumer_exists':
    case 'concurrency_exceeded':
      return 400;
    case 'queue_not_found':
    case 'message_not_found':
    case 'not_found':
    case 'route_not_found':
      return 404;
    case 'method_not_allowed':
      return 405;
    case 'payload_too_large':
      return 413;
    case 'store_unavailable':
    case 'server_busy':
      return 503;
    default: {
      const unknown: never = code;
      throw new Error(`unmapped error code ${String(unknown)}`);
    }
  }
}

/** The request a CrimsonQ error answers: its command (`msg.complete` …), method and path as sent. */
export interface CrimsonqRequest {
  command: string;
  method: string;
  path: string;
}

/**
 * The CrimsonQ API's answer to a domain error (spec crimsonq §6.2): the code CrimsonQ's handler intended, as
 * fiber sends a `fiber.NewError(400, code)`: that status, `text/plain`, the code string as the body. Not
 * finding a message is 002 for `msg.complete` (CrimsonQ's MarkCompleted) and 006 elsewhere.
 */
export function crimsonqErrorOf(code: ErrorCode, request: CrimsonqRequest): { status: number; text: string } {
  const bad = (text: string) => ({ status: 400, text });
  switch (code) {
    case 'invalid_input':
    case 'unsupported_operation':
      return bad(CQ_ERROR.incorrectArgs);
    case 'unauthorized':
      return { status: 401, text: CQ_HTTP.unauthorized };
    case 'queue_not_found':
    case 'not_found':
      return bad(CQ_ERROR.incorrectConsumerId);
    case 'message_not_found':
    case 'wrong_state':
    case 'reservation_mismatch':
    case 'message_reserved':
      return bad(request.command === 'msg.complete' ? CQ_ERROR.noDataReturned : CQ_ERROR.incorrectMessageId);
    case 'consumer_exists':
      return bad(CQ_ERROR.consumerExists);
    case 'concurrency_exceeded':
      return bad(CQ_ERROR.pullExceededConcurrency);
    case 'route_not_found':
      return { status: 404, text: cannotRoute(request.method, request.path) };
    case 'method_not_allowed':
      // quit and auth exist only for RESP: CrimsonQ's own 405 text. Any other route: fiber's.
      return {
        status: 405,
        text: ['quit', 'auth'].includes(request.command)
          ? CQ_ERROR.methodNotAllowedOnHttp
          : CQ_HTTP.methodNotAllowed,
      };
    case 'payload_too_large':
      return { status: 413, text: CQ_HTTP.tooLarge };
    case 'store_unavailable':
    case 'server_busy':
      return { status: 503, text: CQ_HTTP.unavailable };
    default: {
      const unknown: never = code;
      throw new Error(`unmapped error code ${String(unknown)}`);
    }
  }
}

/** Errors raised by Express's own body reading and routing carry a 4xx `status` and a safe message. */
interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  type?: unknown;
  message?: unknown;
}

export function frameworkClientError(error: HttpishError): { status: number; msg: string } | null {
  const status = typeof error.status === 'number' ? error.status : error.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  switch (error.type) {
    case 'entity.too.large':
      return { status: 413, msg: 'Request body is too large' };
    case 'request.aborted':
      return { status: 400, msg: 'Request body was not received whole' };
    case 'request.size.invalid':
      return { status: 400, msg: 'Request body length does not match Content-Length' };
    case 'encoding.unsupported':
      return { status: 415, msg: 'Unsupported Content-Encoding' };
    default:
      return {
        status,
        msg: error.expose === true && typeof error.message === 'string' ? error.message : 'Bad request',
      };
  }
}

/** Maps any error to IronMQ's `{"msg": …}` body. Unknown errors are logged with the request id and become 500. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof FerriteError) {
      const status = statusOf(error.code);
      if (error.code === 'method_not_allowed' && 'allowed' in error) {
        res.setHeader('Allow', (error.allowed as string[]).join(', '));
      }
      if (status === 503) {
        log.warn(error.code === 'server_busy' ? 'server busy' : 'store unavailable', {
          requestId: res.locals.requestId as string,
          error: error.message,
        });
        res.setHeader('Retry-After', '1');
      }
      sendJson(res, status, { msg: error.message });
      return;
    }
    const client = frameworkClientError(error as HttpishError);
    if (client) {
      sendJson(res, client.status, { msg: client.msg });
      return;
    }
    log.error('unhandled error', {
      requestId: res.locals.requestId as string,
      method: req.method,
      path: req.path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    sendJson(res, 500, { msg: MSG.internal });
  };
}
