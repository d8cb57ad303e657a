import type { Queue } from '../../domain/types';
import type { PutQueueRequest, QueueStat } from '../store';
import type { SqliteContext } from './context';
import { queueRow } from './lookups';
import { toQueue, type QueueRow } from './rows';
import { insertQueue, setTopics, settingColumns } from './write-primitives';

/** Queues: settings (compare-and-set), listing, deletion, activity and idle expiry. */

/** The largest code point: `prefix + MAX_CHAR` is an exclusive upper bound for names starting with `prefix`. */
const MAX_CHAR = '\u{10FFFF}';

export function getQueue(ctx: SqliteContext, projectId: string, name: string): Queue | null {
  const row = queueRow(ctx, projectId, name);
  return row ? toQueue(row) : null;
}

export function putQueue(
  ctx: SqliteContext,
  request: PutQueueRequest,
): { queue: Queue; created: boolean } | null {
  const { projectId, name, settings, now, mode } = request;
  const existing = queueRow(ctx, projectId, name);
  if (existing && mode === 'create') return null;
  if (!existing && mode === 'update') return null;
  if (!existing) return { queue: toQueue(insertQueue(ctx, projectId, name, settings, now)), created: true };
  const expected = mode === 'update' ? (request.expectedVersion ?? null) : null;
  const changed = ctx.sql.updateQueue.run(
    ...settingColumns(settings),
    now,
    existing.id,
    expected,
    expected,
  ).changes;
  if (changed === 0) return null;
  const before = toQueue(existing);
  if (before.topics.join('\u0000') !== settings.topics.join('\u0000'))
    setTopics(ctx, existing, settings.topics);
  // Forget the firing state of alerts that no longer exist.
  const kept = new Set(settings.alerts.map((alert) => alert.id));
  for (const alertId of ctx.sql.alertStates.all(existing.id) as string[]) {
    if (!kept.has(alertId)) ctx.sql.deleteAlertState.run(existing.id, alertId);
  }
  return { queue: toQueue(queueRow(ctx, projectId, name)!), created: false };
}

export function deleteQueue(ctx: SqliteContext, projectId: string, name: string): boolean {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return false;
  dropQueue(ctx, queue);
  return true;
}

function dropQueue(ctx: SqliteContext, queue: QueueRow): void {
  const routed = ctx.sql.hasTopics.get(queue.id) !== undefined;
  ctx.sql.deleteQueue.run(queue.project_id, queue.name);
  if (routed) ctx.sql.bumpTopicsVersion.run(queue.project_id);
}

export function listQueues(
  ctx: SqliteContext,
  projectId: string,
  options: { prefix: string; after: string; limit: number },
): Queue[] {
  const low = options.after >= options.prefix ? options.after : options.prefix;
  const lowInclusive = options.after < options.prefix;
  const high = options.prefix === '' ? null : options.prefix + MAX_CHAR;
  const rows = ctx.sql.listQueues.all({
    projectId,
    low,
    lowInclusive: lowInclusive ? 1 : 0,
    high,
    limit: options.limit,
  }) as QueueRow[];
  return rows.map(toQueue);
}

export function markActive(ctx: SqliteContext, projectId: string, name: string, now: number): boolean {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return false;
  ctx.sql.markActive.run(now, queue.id);
  return true;
}

export function expireIdleQueues(
  ctx: SqliteContext,
  now: number,
  limit: number,
): { projectId: string; name: string }[] {
  const rows = ctx.sql.idleQueues.all(now, limit) as QueueRow[];
  for (const row of rows) dropQueue(ctx, row);
  return rows.map((row) => ({ projectId: row.project_id, name: row.name }));
}

export function queueStats(ctx: SqliteContext, limit: number): QueueStat[] {
  return ctx.sql.queueStats.all(limit) as QueueStat[];
}
