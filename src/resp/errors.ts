import { CQ_ERROR } from '../domain/crimsonq-wire';
import { FerriteError, type ErrorCode } from '../domain/errors';

/**
 * The only place that knows RESP error replies of domain errors: CrimsonQ's codes, as its handlers write them
 * (`-001:incorrect_consumer_id` …), bare, without Redis's `ERR ` prefix. Where CrimsonQ's code went silent or
 * sent the wrong code, the intended one (spec crimsonq §6): `msg.retry` of a message that is not failed is
 * `006`, not no reply at all; `msg.counts` of an unknown consumer is `001`, not a crash.
 */

/** Connection-level texts of CrimsonQ's RESP server (Servers/RedconQ.go) and of redis-server. */
export const RESP_TEXT = {
  authRequired: 'Auth Error: You Shall not pass!',
  // sic: CrimsonQ's spelling, kept because clients may compare it.
  wrongPassword: 'Inccorect Auth.',
  unknownCommand: 'incorrect command',
  tooManyClients: 'ERR max number of clients reached',
  noProtocol: 'NOPROTO sorry, this protocol version is not supported',
  noProject: 'ERR The CrimsonQ project does not exist: set FERRITE_CRIMSONQ_PROJECT_ID',
  internal: 'ERR internal error',
  argumentCount: (command: string, args: readonly string[], given: number) =>
    `Incorrect number of arguments for ${command}, expected ${args.length}(${args.join(',')}) but got ${given} Args`,
  subscribedMode: (command: string) =>
    `ERR Can't execute '${command}': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / PING / QUIT are allowed in this context`,
} as const;

/** The error reply for a domain error raised by `command`. */
export function respErrorOf(code: ErrorCode, command: string): string {
  switch (code) {
    // sqs_refused is raised only by the SQS API.
    case 'invalid_input':
    case 'unsupported_operation':
    case 'payload_too_large':
    case 'sqs_refused':
      return CQ_ERROR.incorrectArgs;
    case 'unauthorized':
      return RESP_TEXT.authRequired;
    case 'queue_not_found':
    case 'not_found':
      return CQ_ERROR.incorrectConsumerId;
    case 'message_not_found':
    case 'wrong_state':
    case 'reservation_mismatch':
    case 'message_reserved':
      // CrimsonQ's MarkCompleted reports "no data"; its other message operations an incorrect id.
      return command === 'msg.complete' ? CQ_ERROR.noDataReturned : CQ_ERROR.incorrectMessageId;
    case 'consumer_exists':
      return CQ_ERROR.consumerExists;
    case 'concurrency_exceeded':
      return CQ_ERROR.pullExceededConcurrency;
    case 'route_not_found':
    case 'method_not_allowed':
      return RESP_TEXT.unknownCommand;
    // Nothing was changed and the command may be sent again; redis-server's TRYAGAIN says so to clients.
    case 'store_unavailable':
    case 'server_busy':
      return 'TRYAGAIN The data file cannot be written now; retry later';
    default: {
      const unknown: never = code;
      throw new Error(`unmapped error code ${String(unknown)}`);
    }
  }
}

/** The reply text for anything a command threw; `unexpected` errors are bugs, to be logged. */
export function errorReplyOf(error: unknown, command: string): { text: string; unexpected: boolean } {
  if (error instanceof FerriteError) return { text: respErrorOf(error.code, command), unexpected: false };
  return { text: RESP_TEXT.internal, unexpected: true };
}
