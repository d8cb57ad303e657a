import type { ErrorRequestHandler } from 'express';
import { FerriteError, type ErrorCode } from '../engine/errors';
import type { Logger } from '../log';
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

/** Errors raised by Express's own body reading and routing carry a 4xx `status` and a safe message. */
interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  type?: unknown;
  message?: unknown;
}

function frameworkClientError(error: HttpishError): { status: number; msg: string } | null {
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
