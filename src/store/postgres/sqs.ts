import type { MessageCounts, SqsKey } from '../../domain/types';
import { row, rows, type PgContext } from './context';
import { queueRow } from './lookups';
import { SQL } from './statements';

/** What only the SQS API reads: per-visibility counts, dead-letter sources, and its access keys. */

export async function countMessages(
  ctx: PgContext,
  projectId: string,
  name: string,
  now: number,
): Promise<MessageCounts | null> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return null;
  // On a consumer queue a reservation that ran out is overdue (still held), not available again.
  const counts = await row<{ available: number; in_flight: number; delayed: number }>(
    ctx,
    SQL.countMessages,
    [queue.id, now, queue.on_timeout !== 'overdue'],
  );
  return {
    available: counts?.available ?? 0,
    inFlight: counts?.in_flight ?? 0,
    delayed: counts?.delayed ?? 0,
  };
}

export async function listDeadLetterSources(
  ctx: PgContext,
  projectId: string,
  name: string,
  options: { after: string; limit: number },
): Promise<string[]> {
  const found = await rows<{ name: string }>(ctx, SQL.deadLetterSources, [
    projectId,
    name,
    options.after,
    options.limit,
  ]);
  return found.map((r) => r.name);
}

interface SqsKeyRow {
  access_key_id: string;
  project_id: string;
  secret: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

function toSqsKey(r: SqsKeyRow): SqsKey {
  return {
    accessKeyId: r.access_key_id,
    projectId: r.project_id,
    secret: r.secret,
    name: r.name,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

export async function addSqsKey(ctx: PgContext, key: Omit<SqsKey, 'revokedAt'>): Promise<void> {
  await rows(ctx, SQL.insertSqsKey, [key.accessKeyId, key.projectId, key.secret, key.name, key.createdAt]);
}

export async function getSqsKey(ctx: PgContext, accessKeyId: string): Promise<SqsKey | null> {
  const found = await row<SqsKeyRow>(ctx, SQL.getSqsKey, [accessKeyId]);
  return found ? toSqsKey(found) : null;
}

export async function listSqsKeys(ctx: PgContext, projectId?: string): Promise<SqsKey[]> {
  const found =
    projectId === undefined
      ? await rows<SqsKeyRow>(ctx, SQL.listAllSqsKeys, [])
      : await rows<SqsKeyRow>(ctx, SQL.listProjectSqsKeys, [projectId]);
  return found.map(toSqsKey);
}

export async function revokeSqsKey(ctx: PgContext, accessKeyId: string, now: number): Promise<boolean> {
  return (await rows(ctx, SQL.revokeSqsKey, [now, accessKeyId])).length > 0;
}
