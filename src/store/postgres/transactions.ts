import type { Pool, PoolClient } from 'pg';
import type { FiredAlert } from '../store';
import type { PgContext } from './context';
import { CONFLICT_RETRIES, isRetryable, isUnavailable, mapStoreError } from './errors';
import type { TopicRoutes } from './topic-routes';

/** Thrown inside a transaction to undo it and answer the caller with `outcome` instead of an error. */
export class Rollback<T> extends Error {
  constructor(readonly outcome: T) {
    super('rolled back');
  }
}

export interface TransactionHooks {
  /** Statements to run last in every write transaction (the NOTIFY of its invalidations), or none. */
  beforeCommit(invalidations: ReadonlySet<string>): { text: string; values: unknown[] } | null;
  /** Runs after a successful COMMIT, before the caller is answered. */
  afterCommit(fired: FiredAlert[], invalidations: ReadonlySet<string>): void;
}

/**
 * Runs operations on pooled connections: writes in `BEGIN … COMMIT` (retried when PostgreSQL picked them as
 * a deadlock's or a serialization conflict's victim), reads as plain statements. Driver errors become
 * StoreUnavailable when the database is unreachable; a connection that failed is destroyed, not reused.
 */
export class Transactions {
  constructor(
    private readonly pool: Pool,
    private readonly routes: TopicRoutes,
    private readonly hooks: TransactionHooks,
  ) {}

  async write<T>(operation: (ctx: PgContext) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.writeOnce(operation);
      } catch (error) {
        if (attempt < CONFLICT_RETRIES && isRetryable(error)) continue;
        throw mapStoreError(error);
      }
    }
  }

  async read<T>(operation: (ctx: PgContext) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      const result = await operation(this.context(client));
      client.release();
      return result;
    } catch (error) {
      client.release(isUnavailable(error) ? (error as Error) : undefined);
      throw mapStoreError(error);
    }
  }

  async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw mapStoreError(error);
    }
  }

  context(client: PoolClient): PgContext {
    return { db: client, routes: this.routes, firedAlerts: [], invalidations: new Set() };
  }

  private async writeOnce<T>(operation: (ctx: PgContext) => Promise<T>): Promise<T> {
    const client = await this.connect();
    const ctx = this.context(client);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      let outcome: T;
      try {
        outcome = await operation(ctx);
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
        await client.query('ROLLBACK');
        return error.outcome as T;
      }
      const notify = this.hooks.beforeCommit(ctx.invalidations);
      if (notify) await client.query(notify);
      await client.query('COMMIT');
      this.hooks.afterCommit(ctx.firedAlerts, ctx.invalidations);
      return outcome;
    } catch (error) {
      if (isUnavailable(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
