import { DatabaseError } from 'pg';
import { InvalidInput, StoreUnavailable } from '../../domain/errors';

/**
 * SQLSTATE classes and codes that mean "the database cannot serve this now" rather than "bug": connection
 * exceptions (08), insufficient resources (53), operator intervention such as a shutdown or a statement timeout
 * (57), a read-only standby (25006). Conflicts (40001, 40P01) are not among them: the connection is fine and the
 * work is run again (isRetryable); only one that survived its retries is answered as unavailable (mapStoreError).
 */
const UNAVAILABLE_SQLSTATES = [/^08/, /^53/, /^57/, /^58/, /^25006$/];
/** Socket errors of the connection itself (Node's stable codes). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/**
 * node-postgres reports a lost or never-made connection with a plain Error and no code (pool acquire timeout,
 * "Connection terminated", a client no longer queryable, the client-side query timeout): its message is all
 * there is to classify by.
 */
const DRIVER_CONNECTION_TEXT =
  /connection terminated|timeout exceeded when trying to connect|not queryable|query read timeout|connection timeout|Connection refused|server closed the connection/i;

/** How often a transaction that lost a deadlock or a serialization check is run again before giving up. */
export const CONFLICT_RETRIES = 3;

/** Conflicts a transaction is retried for: another transaction won a deadlock or a serialization check. */
export function isRetryable(error: unknown): boolean {
  return error instanceof DatabaseError && (error.code === '40P01' || error.code === '40001');
}

/** Whether a driver error says the database is unreachable or cannot take work now (its connection may be lost). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailable) return true;
  if (error instanceof DatabaseError) {
    return UNAVAILABLE_SQLSTATES.some((pattern) => pattern.test(error.code ?? ''));
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error instanceof Error && DRIVER_CONNECTION_TEXT.test(error.message);
}

/**
 * Text PostgreSQL cannot store: the NUL character (U+0000) in a body, header or name, which SQLite keeps. The
 * request is refused (400) rather than answered 500.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * The error callers see for a driver error: StoreUnavailable (503) for an unavailable database or a conflict that
 * survived its retries, InvalidInput (400) for text PostgreSQL cannot hold.
 */
export function mapStoreError(error: unknown): Error {
  if (error instanceof StoreUnavailable || error instanceof InvalidInput) return error;
  if (error instanceof DatabaseError && UNSTORABLE_TEXT.has(error.code ?? '')) {
    return new InvalidInput('PostgreSQL cannot store the character U+0000 (NUL)');
  }
  if (isUnavailable(error) || isRetryable(error)) {
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
    return new StoreUnavailable(`The database cannot be reached or cannot take writes now (${reason})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
