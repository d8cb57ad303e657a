import type { QueryConfig, QueryResultRow } from 'pg';

/** What runs a statement: a pooled connection inside a transaction the store opened. */
export interface Queryable {
  query<R extends QueryResultRow>(config: QueryConfig): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * A statement with a name: node-postgres prepares it once per connection and reuses the plan. Each header
 * names its parameters in order, as in the SQLite store's statements.ts.
 */
export interface Statement {
  name: string;
  text: string;
}

export function statement(name: string, text: string): Statement {
  return { name, text };
}

export async function rows<R extends QueryResultRow>(
  ctx: { db: Queryable },
  sql: Statement,
  values: readonly unknown[],
): Promise<R[]> {
  return (await ctx.db.query<R>({ name: sql.name, text: sql.text, values: values as unknown[] })).rows;
}

export async function row<R extends QueryResultRow>(
  ctx: { db: Queryable },
  sql: Statement,
  values: readonly unknown[],
): Promise<R | undefined> {
  return (await rows<R>(ctx, sql, values))[0];
}

/** Runs a statement; returns how many rows it changed. */
export async function run(
  ctx: { db: Queryable },
  sql: Statement,
  values: readonly unknown[],
): Promise<number> {
  return (await ctx.db.query({ name: sql.name, text: sql.text, values: values as unknown[] })).rowCount ?? 0;
}
