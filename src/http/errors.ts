import type { ErrorCode } from '../domain/errors';
import type { ErrorRenderer } from './error-handler';
import { sendJson } from './respond';
import { MSG } from './wire';

/** The only place that knows IronMQ's HTTP statuses of domain errors (CrimsonQ's: crimsonq/errors.ts). */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'invalid_input':
    case 'unsupported_operation':
      return 400;
    // Raised only by the SQS API, which answers its own codes (src/http/sqs/errors.ts).
    case 'sqs_refused':
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

/** IronMQ's answer to every error: `{"msg": …}` as JSON with the status of its code. */
export const renderIronmqError: ErrorRenderer = (problem, _req, res) => {
  switch (problem.kind) {
    case 'domain':
      sendJson(res, statusOf(problem.error.code), { msg: problem.error.message });
      return;
    case 'client':
      sendJson(res, problem.status, { msg: problem.msg });
      return;
    case 'internal':
      sendJson(res, 500, { msg: MSG.internal });
      return;
  }
};
