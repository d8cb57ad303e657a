/**
 * CrimsonQ's wire strings, byte for byte (spec crimsonq §2: server Defs/Defs.go, fiber v2.27 and jwtware v3.2.6).
 * Clients compare some of them exactly, odd spellings included (`006:incorrect message id`, `008: incorrect_args`).
 */

/** The error codes CrimsonQ's handlers return; Ferrite sends them as CrimsonQ intended: 400, text, the code. */
export const CQ_ERROR = {
  incorrectConsumerId: '001:incorrect_consumer_id',
  noDataReturned: '002:no_data_returned',
  incorrectStatus: '003:incorrect_status',
  consumerExists: '004:consumer_exists',
  pullExceededConcurrency: '005:pull_exceeded_concurrency',
  incorrectMessageId: '006:incorrect message id',
  methodNotAllowedOnHttp: '007:method_not_allowed_on_http',
  incorrectArgs: '008: incorrect_args',
} as const;

/** jwtware's and fiber's texts for authentication and generic HTTP failures. */
export const CQ_HTTP = {
  missingJwt: 'Missing or malformed JWT',
  invalidJwt: 'Invalid or expired JWT',
  unauthorized: 'Unauthorized',
  methodNotAllowed: 'Method Not Allowed',
  tooLarge: 'Request Entity Too Large',
  unavailable: 'Service Unavailable',
  internal: 'Internal Server Error',
} as const;

/** fiber's 404 text: method and path as sent (no query string). */
export function cannotRoute(method: string, path: string): string {
  return `Cannot ${method} ${path}`;
}

/** fasthttp's default Content-Type, used by fiber's SendString and its error handler. */
export const TEXT_TYPE = 'text/plain; charset=utf-8';

/** What `GET /api/info` answers: CrimsonQ's shape (two strings), naming Ferrite. */
export const INFO = [
  'Ferrite CrimsonQ API',
  'CrimsonQ-compatible REST interface on the Ferrite engine',
] as const;

/** The header that carries the ids of pushed messages (CrimsonQ answers only "Ok"; the body stays the same). */
export const MESSAGE_IDS_HEADER = 'X-Message-Ids';

/** The topic CrimsonQ stores on a message pushed directly to a consumer. */
export const directTopic = (consumerId: string): string => `direct:${consumerId}`;

/** Claims of a token from POST /login: CrimsonQ's `name`, `admin`, `exp`, plus Ferrite's `project_id`. */
export const TOKEN_HOURS = 72;
