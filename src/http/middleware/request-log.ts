import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import type { Logger } from '../../log';

/**
 * Gives every request an id (echoed as X-Request-Id) and logs one line per request at debug level. The id is
 * this process's random prefix and a counter: unique, cheap, and it ties a log line to the answer a client got.
 */
export function requestLog(log: Logger): RequestHandler {
  const prefix = randomBytes(6).toString('hex');
  let sequence = 0;
  return (req, res, next) => {
    const requestId = `${prefix}-${(++sequence).toString(36)}`;
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    if (log.isDebugEnabled()) {
      const started = performance.now();
      res.on('finish', () => {
        log.debug('request', {
          requestId,
          method: req.method,
          // The path only: a query string may carry an oauth token.
          path: req.path,
          status: res.statusCode,
          // SQS answers carry a UUID of their own (its RequestId): logged beside ours to find one from the other.
          ...(typeof res.locals.sqsRequestId === 'string' ? { sqsRequestId: res.locals.sqsRequestId } : {}),
          ms: Math.round((performance.now() - started) * 10) / 10,
        });
      });
    }
    next();
  };
}
