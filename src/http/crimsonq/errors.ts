import type { ErrorCode } from '../../domain/errors';
import type { ErrorRenderer } from '../error-handler';
import { sendText } from './respond';
import { CQ_ERROR } from '../../domain/crimsonq-wire';
import { CQ_HTTP, cannotRoute } from './wire';

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
    case 'sqs_refused':
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

/**
 * Answers every failure under /login and /api as CrimsonQ's fiber would: plain text, the code or reason as
 * the body (never a silent 200). Domain errors are mapped by crimsonqErrorOf; body-reading errors are 008
 * (or 413 for a body over the limit); anything else is a bug and a 500.
 */
export const renderCrimsonqError: ErrorRenderer = (problem, req, res) => {
  switch (problem.kind) {
    case 'domain': {
      const { status, text } = crimsonqErrorOf(problem.error.code, {
        command: (res.locals.crimsonqCommand as string | undefined) ?? '',
        method: req.method,
        path: req.originalUrl.split('?')[0]!,
      });
      sendText(res, status, text);
      return;
    }
    case 'client':
      if (problem.status === 413) sendText(res, 413, CQ_HTTP.tooLarge);
      else sendText(res, 400, CQ_ERROR.incorrectArgs);
      return;
    case 'internal':
      sendText(res, 500, CQ_HTTP.internal);
      return;
  }
};
