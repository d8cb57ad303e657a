import type { Queue } from '../../domain/types';
import { toQueue, type QueueRow } from '../rows';
import type { PutQueueRequest, QueueStat } from '../store';
import { row, rows, run, type PgContext } from './context';
import { queueRow } from './lookups';
import { SQL } from './statements';
import { insertQueue, setTopics, settingColumns } from './write-primitives';

/** Queues: settings (compare-and-set), listing, deletion, activity and idle expiry. */

/** The largest code point: `prefix + MAX_CHAR` is an exclusive upper bound for names starting with `prefix`. */
const MAX_CHAR = '\u{10FFFF}';

export async function getQueue(ctx: PgContext, projectId: string, name: string): Promise<Queue | null> {
  const found = await queueRow(ctx, projectId, name);
  return found ? toQueue(found) : null;
}

export async function putQueue(
  ctx: PgContext,
  request: PutQueueRequest,
): Promise<{ queue: Queue; created: boolean } | null> {
  const { projectId, name, settings, now, mode } = request;
  if (mode !== 'update') {
    const created = await insertQueue(ctx, projectId, name, settings, now);
    if (created) return { queue: toQueue(created), created: true };
    if (mode === 'create') return null;
  }
  // The row lock orders this change after any other one in flight (another node's PATCH).
  const existing = await row<QueueRow>(ctx, SQL.lockQueue, [projectId, name]);
  if (!existing) return null;
  const expected = mode === 'update' ? (request.expectedVersion ?? null) : null;
  const updated = await row<QueueRow>(ctx, SQL.updateQueue, [
    ...settingColumns(settings),
    now,
    existing.id,
    expected,
  ]);
  if (!updated) return null;
  const before = toQueue(existing);
  if (before.topics.join('\u0000') !== settings.topics.join('\u0000')) {
    await setTopics(ctx, existing, settings.topics);
  }
  // Forget the firing state of alerts that no longer exist.
  const kept = new Set(settings.alerts.map((alert) => alert.id));
  for (const { alert_id } of await rows<{ alert_id: string }>(ctx, SQL.alertStates, [existing.id])) {
    if (!kept.has(alert_id)) await run(ctx, SQL.deleteAlertState, [existing.id, alert_id]);
  }
  ctx.invalidations.add(`queue:${projectId}/${name}`);
  return { queue: toQueue(updated), created: false };
}

export async function deleteQueue(ctx: PgContext, projectId: string, name: string): Promise<boolean> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return false;
  await dropQueue(ctx, queue);
  return true;
}

async function dropQueue(ctx: PgContext, queue: QueueRow): Promise<void> {
  const routed = (await rows(ctx, SQL.hasTopics, [queue.id])).length > 0;
  const deleted = await run(ctx, SQL.deleteQueue, [queue.id]);
  if (routed && deleted > 0) {
    await run(ctx, SQL.bumpTopicsVersion, [queue.project_id]);
    ctx.invalidations.add(`topics:${queue.project_id}`);
  }
  ctx.invalidations.add(`queue:${queue.project_id}/${queue.name}`);
}

export async function listQueues(
  ctx: PgContext,
  projectId: string,
  options: { prefix: string; after: string; limit: number },
): Promise<Queue[]> {
  const low = options.after >= options.prefix ? options.after : options.prefix;
  const lowInclusive = options.after < options.prefix;
  const high = options.prefix === '' ? null : options.prefix + MAX_CHAR;
  const found = await rows<QueueRow>(ctx, SQL.listQueues, [
    projectId,
    low,
    lowInclusive,
    high,
    options.limit,
  ]);
  return found.map(toQueue);
}

export async function markActive(
  ctx: PgContext,
  projectId: string,
  name: string,
  now: number,
): Promise<boolean> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return false;
  await run(ctx, SQL.markActive, [now, queue.id]);
  return true;
}

export async function expireIdleQueues(
  ctx: PgContext,
  now: number,
  limit: number,
): Promise<{ projectId: string; name: string }[]> {
  const found = await rows<QueueRow>(ctx, SQL.idleQueues, [now, limit]);
  for (const queue of found) await dropQueue(ctx, queue);
  return found.map((queue) => ({ projectId: queue.project_id, name: queue.name }));
}

export async function queueStats(ctx: PgContext, limit: number): Promise<QueueStat[]> {
  return rows<QueueStat & Record<string, unknown>>(ctx, SQL.queueStats, [limit]);
}
