import type { ErrorRequestHandler } from 'express';
import { FerriteError, MethodNotAllowed } from '../../domain/errors';
import type { Logger } from '../../log';
import { crimsonqErrorOf, frameworkClientError } from '../errors';
import { sendText } from './respond';
import { CQ_ERROR, CQ_HTTP } from './wire';

/**
 * Answers every failure under /login and /api as CrimsonQ's fiber would: plain text, the code or reason as
 * the body (never a silent 200). Domain errors are mapped by crimsonqErrorOf; body-reading errors are 008
 * (or 413 for a body over the limit); anything else is a bug, logged, and a 500.
 */
export function crimsonqErrorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof FerriteError) {
      const { status, text } = crimsonqErrorOf(error.code, {
        command: (res.locals.crimsonqCommand as string | undefined) ?? '',
        method: req.method,
        path: req.originalUrl.split('?')[0]!,
      });
      if (error instanceof MethodNotAllowed && error.allowed.length > 0) {
        res.setHeader('Allow', error.allowed.join(', '));
      }
      if (status === 503) res.setHeader('Retry-After', '1');
      sendText(res, status, text);
      return;
    }
    const client = frameworkClientError(error as object);
    if (client) {
      if (client.status === 413) sendText(res, 413, CQ_HTTP.tooLarge);
      else sendText(res, 400, CQ_ERROR.incorrectArgs);
      return;
    }
    log.error('unhandled error', {
      requestId: res.locals.requestId as string,
      method: req.method,
      path: req.path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    sendText(res, 500, CQ_HTTP.internal);
  };
}
