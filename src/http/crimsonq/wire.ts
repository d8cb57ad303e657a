/**
 * The CrimsonQ REST API's own wire strings, byte for byte (spec crimsonq §2: fiber v2.27 and jwtware v3.2.6).
 * The error codes and the command table, shared with RESP, are in src/domain/crimsonq-wire.ts.
 */

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

/** Claims of a token from POST /login: CrimsonQ's `name`, `admin`, `exp`, plus Ferrite's `project_id`. */
export const TOKEN_HOURS = 72;
