import { StoreUnavailable } from '../../domain/errors';

/** SQLite result codes that mean "cannot write now" rather than "bug": answered 503 and retried by clients. */
const UNAVAILABLE_CODES = [
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
];

/** The error callers see for a driver error: StoreUnavailable for a disk that cannot take writes now. */
export function mapStoreError(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.some((prefix) => code.startsWith(prefix))) {
    return new StoreUnavailable(`The data file cannot be written (${code})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
