import pg, { type PoolConfig } from 'pg';

/** How to reach PostgreSQL: FERRITE_DATABASE_URL and the settings beside it (README, "Several nodes"). */
export interface PostgresConnectionOptions {
  /** postgres://user:password@host:port/database?sslmode=… (TLS settings go in the URL: sslmode, sslrootcert …). */
  url: string;
  /** Connections each node keeps at most (requests beyond wait for one, up to connectTimeoutMs). */
  poolSize: number;
  /** The server cancels a statement running longer than this; the request gets 503. */
  statementTimeoutMs: number;
  /** How long a request waits for a connection (the database is down, or the pool is busy) before 503. */
  connectTimeoutMs: number;
}

/** int8 (bigint) as a JS number: every bigint column holds ms timestamps, counters or ids, all below 2^53. */
const INT8_OID = 20;
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID) return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
}
const TYPES = { getTypeParser: typeParser as typeof pg.types.getTypeParser };

/** The connection settings every connection of a node shares (pool, listener, leader lease). */
export function clientConfig(options: PostgresConnectionOptions): PoolConfig {
  return {
    connectionString: options.url,
    types: TYPES,
    // The server ends a runaway statement; the client gives up a little later if the server does not answer
    // at all (a dead network), so no request hangs past the request timeout.
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + 1_000,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // A dead peer is noticed by TCP keepalives rather than by the next query.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'ferrite',
  };
}

/**
 * The pool every operation draws from. Pipelining lets a batch send BEGIN, its statements and COMMIT in one
 * round trip. A connection lost while idle (a database restart) is dropped by the pool with an 'error' event,
 * which must be handled or Node would crash; the next checkout connects anew.
 */
export function createPool(options: PostgresConnectionOptions, onError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    ...clientConfig(options),
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    pipeline: true,
  });
  pool.on('error', onError);
  // A connection lost while checked out emits 'error' on its client, which the pool listens for only while the
  // client is idle: without this listener Node would crash. Its queries fail too, and that is what callers see.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
