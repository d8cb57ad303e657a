import { alertMessageBody, evaluateAlert, INITIAL_ALERT_STATE, type AlertState } from '../../domain/alerts';
import { DEFAULT_QUEUE_SETTINGS } from '../../domain/limits';
import { OVERDUE_ERROR } from '../../domain/message-states';
import { initialDueAt } from '../../domain/push-rounds';
import type { NewMessage, QueueSettings } from '../../domain/types';
import { STATE, extraOf, parseExtra, type QueueRow } from '../rows';
import type { PostResult } from '../store';
import { row, rows, run, type PgContext } from './context';
import { queueRow } from './lookups';
import { SQL } from './statements';

/**
 * The writes every resource shares, run inside the caller's transaction: creating queues, appending messages
 * with their deliveries, moving counters (which evaluates alerts under the queue row's lock), applying fired
 * timers, removing messages. The same steps as the SQLite store's, with the same domain rules.
 */

/** The settings columns of `queues`, in the order insertQueue and updateQueue take them. */
export function settingColumns(settings: QueueSettings): (string | number | null)[] {
  const dl = settings.deadLetter;
  return [
    settings.type,
    settings.messageTimeout,
    settings.messageExpiration,
    dl?.queueName ?? null,
    dl?.maxReservations ?? null,
    extraOf(settings),
    settings.onTimeout,
    settings.overdueTimeout,
    settings.maxInFlight,
    settings.retainCompleted ? 1 : 0,
    settings.idleExpiry,
  ];
}

/**
 * Creates a queue, or returns null when it exists already (created meanwhile by another request or node:
 * `ON CONFLICT DO NOTHING` waits for that insert to commit instead of failing).
 */
export async function insertQueue(
  ctx: PgContext,
  projectId: string,
  name: string,
  settings: QueueSettings,
  now: number,
): Promise<QueueRow | null> {
  const created = await row<QueueRow>(ctx, SQL.insertQueue, [
    projectId,
    name,
    ...settingColumns(settings),
    now,
    now,
    now,
  ]);
  if (!created) return null;
  if (settings.topics.length > 0) await setTopics(ctx, created, settings.topics);
  return created;
}

/** The queue, created with the default settings when missing (implicit creation, race-free). */
export async function queueOrCreate(
  ctx: PgContext,
  projectId: string,
  name: string,
  now: number,
): Promise<QueueRow> {
  const existing = await queueRow(ctx, projectId, name);
  if (existing) return existing;
  return (
    (await insertQueue(ctx, projectId, name, DEFAULT_QUEUE_SETTINGS, now)) ??
    (await queueRow(ctx, projectId, name))!
  );
}

/** Replaces a queue's routing filters; every node's cached routes of the project are invalidated. */
export async function setTopics(ctx: PgContext, queue: QueueRow, filters: readonly string[]): Promise<void> {
  await run(ctx, SQL.clearTopics, [queue.id]);
  if (filters.length > 0) await run(ctx, SQL.addTopics, [queue.id, filters]);
  await run(ctx, SQL.bumpTopicsVersion, [queue.project_id]);
  ctx.invalidations.add(`topics:${queue.project_id}`);
}

/**
 * Inserts messages at the tail of `queue` (and their push deliveries on a push queue) and moves its counters,
 * in two statements whatever the count. `alerts`: whether the size change may fire the queue's alerts.
 */
export async function append(
  ctx: PgContext,
  queue: QueueRow,
  messages: readonly NewMessage[],
  now: number,
  alerts: boolean,
): Promise<PostResult> {
  const expiresAt = now + queue.message_expiration * 1000;
  const visible = messages.map((m) => now + m.delay * 1000);
  const inserted = await rows<{ id: number }>(ctx, SQL.insertMessages, [
    queue.id,
    messages.map((m) => (m.delay > 0 ? STATE.scheduled : STATE.available)),
    visible,
    messages.map((m) => m.body),
    messages.map((m) => m.delay),
    messages.map((m) => (m.pushHeaders === null ? null : JSON.stringify(m.pushHeaders))),
    now,
    expiresAt,
    messages.map((m) => m.topic ?? null),
    messages.map((m) => (m.attributes ? JSON.stringify(m.attributes) : null)),
  ]);
  // Identity values are drawn in insertion order, which follows the ordinality.
  const ids = inserted.map((r) => r.id).sort((a, b) => a - b);
  let deliveries = 0;
  const push = queue.type === 'pull' ? null : parseExtra(queue).push;
  if (push && push.subscribers.length > 0) {
    const cols = {
      messageIds: [] as number[],
      subscribers: [] as string[],
      positions: [] as number[],
      urls: [] as string[],
      headers: [] as string[],
      dueAts: [] as (number | null)[],
    };
    ids.forEach((id, i) => {
      push.subscribers.forEach((subscriber, position) => {
        cols.messageIds.push(id);
        cols.subscribers.push(subscriber.name);
        cols.positions.push(position);
        cols.urls.push(subscriber.url);
        cols.headers.push(JSON.stringify(subscriber.headers));
        cols.dueAts.push(initialDueAt(queue.type as 'multicast' | 'unicast', position, visible[i]!));
      });
    });
    await run(ctx, SQL.insertDeliveries, [
      cols.messageIds,
      cols.subscribers,
      queue.id,
      cols.positions,
      cols.urls,
      cols.headers,
      'queued',
      push.retries,
      cols.dueAts,
    ]);
    deliveries = cols.messageIds.length;
  }
  await changeSize(ctx, queue, messages.length, messages.length, now, alerts);
  return { ids: ids.map(String), deliveries };
}

interface AlertStateRow {
  armed: number;
  level: number;
  last_fired_at: number | null;
}

/**
 * Moves a queue's counters and evaluates its alerts (the domain's rule) against the size change. The counter
 * UPDATE locks the queue row until commit, so alert state is read and written by one transaction at a time
 * over every node: an alert fires exactly once per crossing.
 */
export async function changeSize(
  ctx: PgContext,
  queue: QueueRow,
  sizeDelta: number,
  totalDelta: number,
  now: number,
  alerts = true,
): Promise<void> {
  const updated = await row<{ size: number }>(ctx, SQL.addToQueue, [sizeDelta, totalDelta, now, queue.id]);
  if (!updated || !alerts || queue.extra === '{}') return;
  const after = updated.size;
  for (const alert of parseExtra(queue).alerts ?? []) {
    const stored = await row<AlertStateRow>(ctx, SQL.getAlertState, [queue.id, alert.id]);
    const state: AlertState = stored
      ? { armed: stored.armed === 1, level: stored.level, lastFiredAt: stored.last_fired_at }
      : INITIAL_ALERT_STATE;
    const decision = evaluateAlert(alert, state, after - sizeDelta, after, now);
    const next = decision.state;
    await run(ctx, SQL.putAlertState, [queue.id, alert.id, next.armed ? 1 : 0, next.level, next.lastFiredAt]);
    if (!decision.fire) continue;
    const target = await queueOrCreate(ctx, queue.project_id, alert.queue, now);
    const body = alertMessageBody(alert, queue.name, after);
    await append(ctx, target, [{ body, delay: 0, pushHeaders: null }], now, false);
    ctx.firedAlerts.push({ projectId: queue.project_id, queue: queue.name, alertId: alert.id, size: after });
  }
}

/**
 * Applies every fired timer of the queue (the lazy half of delays and timeouts): delays end; on an IronMQ
 * queue ended reservations are available again; on a consumer queue they become overdue, then failed.
 */
export async function promoteDue(ctx: PgContext, queue: QueueRow, now: number): Promise<void> {
  if (queue.on_timeout !== 'overdue') {
    await run(ctx, SQL.promoteDue, [now, queue.id, now]);
    return;
  }
  await run(ctx, SQL.scheduledToAvailable, [now, queue.id, now]);
  await run(ctx, SQL.reservedToOverdue, [queue.overdue_timeout * 1000, now, queue.id, now]);
  const failed = await run(ctx, SQL.overdueToFailed, [OVERDUE_ERROR, now, queue.id, now]);
  if (failed > 0) await changeSize(ctx, queue, -failed, 0, now);
}

/** Deletes a message, or keeps it as completed when the queue retains completed messages (CrimsonQ). */
export async function removeMessage(ctx: PgContext, queue: QueueRow, id: number, now: number): Promise<void> {
  if (queue.retain_completed) await run(ctx, SQL.retainCompleted, [now, now, id]);
  else await run(ctx, SQL.deleteMessage, [id]);
}
