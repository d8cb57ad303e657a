import type { MessageCounts, SqsKey } from '../../domain/types';
import type { SqliteContext } from './context';
import { queueRow } from './lookups';

/** What only the SQS API reads: per-visibility counts, dead-letter sources, and its access keys. */

export function countMessages(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  now: number,
): MessageCounts | null {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return null;
  // On a consumer queue a reservation that ran out is overdue (still held), not available again.
  const requeue = queue.on_timeout === 'overdue' ? 0 : 1;
  const counts = ctx.sql.countMessages.get({ queueId: queue.id, now, requeue }) as {
    available: number;
    in_flight: number;
    delayed: number;
  };
  return { available: counts.available, inFlight: counts.in_flight, delayed: counts.delayed };
}

export function listDeadLetterSources(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  options: { after: string; limit: number },
): string[] {
  return ctx.sql.deadLetterSources.all(projectId, name, options.after, options.limit) as string[];
}

interface SqsKeyRow {
  access_key_id: string;
  project_id: string;
  secret: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

function toSqsKey(row: SqsKeyRow): SqsKey {
  return {
    accessKeyId: row.access_key_id,
    projectId: row.project_id,
    secret: row.secret,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function addSqsKey(ctx: SqliteContext, key: Omit<SqsKey, 'revokedAt'>): void {
  ctx.sql.insertSqsKey.run(key.accessKeyId, key.projectId, key.secret, key.name, key.createdAt);
}

export function getSqsKey(ctx: SqliteContext, accessKeyId: string): SqsKey | null {
  const row = ctx.sql.getSqsKey.get(accessKeyId) as SqsKeyRow | undefined;
  return row ? toSqsKey(row) : null;
}

export function listSqsKeys(ctx: SqliteContext, projectId?: string): SqsKey[] {
  const rows = (
    projectId === undefined ? ctx.sql.listAllSqsKeys.all() : ctx.sql.listProjectSqsKeys.all(projectId)
  ) as SqsKeyRow[];
  return rows.map(toSqsKey);
}

export function revokeSqsKey(ctx: SqliteContext, accessKeyId: string, now: number): boolean {
  return ctx.sql.revokeSqsKey.run(now, accessKeyId).changes > 0;
}
