import { alertMessageBody, evaluateAlert, INITIAL_ALERT_STATE, type AlertState } from '../../domain/alerts';
import { DEFAULT_QUEUE_SETTINGS } from '../../domain/limits';
import { OVERDUE_ERROR } from '../../domain/message-states';
import { initialDueAt } from '../../domain/push-rounds';
import type { NewMessage, QueueSettings } from '../../domain/types';
import type { PostResult } from '../store';
import type { SqliteContext } from './context';
import { queueRow } from './lookups';
import { STATE, extraOf, parseExtra, type QueueRow } from './rows';

/**
 * The writes every resource shares, run inside the caller's transaction: creating queues, appending messages
 * with their deliveries, moving counters (which evaluates alerts), applying fired timers, removing messages.
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

export function insertQueue(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  settings: QueueSettings,
  now: number,
): QueueRow {
  ctx.sql.insertQueue.run(projectId, name, ...settingColumns(settings), now, now, now);
  const row = queueRow(ctx, projectId, name)!;
  if (settings.topics.length > 0) setTopics(ctx, row, settings.topics);
  return row;
}

/** The queue messages are moved or posted into (dead letters, alerts, error reports): created with defaults. */
export function targetQueue(ctx: SqliteContext, projectId: string, name: string, now: number): QueueRow {
  return queueRow(ctx, projectId, name) ?? insertQueue(ctx, projectId, name, DEFAULT_QUEUE_SETTINGS, now);
}

/** Replaces a queue's routing filters; every process's cached routes of the project are invalidated. */
export function setTopics(ctx: SqliteContext, queue: QueueRow, filters: readonly string[]): void {
  ctx.sql.clearTopics.run(queue.id);
  for (const filter of filters) ctx.sql.addTopic.run(queue.id, filter);
  ctx.sql.bumpTopicsVersion.run(queue.project_id);
}

/**
 * Inserts messages at the tail of `queue` (and their push deliveries on a push queue) and moves its counters.
 * `alerts`: whether the size change may fire the queue's alerts (alert messages themselves do not cascade).
 */
export function append(
  ctx: SqliteContext,
  queue: QueueRow,
  messages: readonly NewMessage[],
  now: number,
  alerts: boolean,
): PostResult {
  const expiresAt = now + queue.message_expiration * 1000;
  const push = queue.type === 'pull' ? null : parseExtra(queue).push;
  let deliveries = 0;
  const ids = messages.map((message) => {
    const visibleAt = now + message.delay * 1000;
    const result = ctx.sql.insertMessage.run(
      queue.id,
      message.delay > 0 ? STATE.scheduled : STATE.available,
      visibleAt,
      message.body,
      message.delay,
      message.pushHeaders === null ? null : JSON.stringify(message.pushHeaders),
      now,
      now,
      expiresAt,
      message.topic ?? null,
      message.attributes ? JSON.stringify(message.attributes) : null,
    );
    if (push) {
      push.subscribers.forEach((subscriber, position) => {
        ctx.sql.insertDelivery.run(
          result.lastInsertRowid,
          subscriber.name,
          queue.id,
          position,
          subscriber.url,
          JSON.stringify(subscriber.headers),
          'queued',
          push.retries,
          initialDueAt(queue.type as 'multicast' | 'unicast', position, visibleAt),
        );
        deliveries++;
      });
    }
    return String(result.lastInsertRowid);
  });
  changeSize(ctx, queue, messages.length, messages.length, now, alerts);
  return { ids, deliveries };
}

interface AlertStateRow {
  armed: number;
  level: number;
  last_fired_at: number | null;
}

/**
 * Moves a queue's counters and evaluates its alerts (the domain's rule) against the size change, in the caller's
 * transaction: an alert fires exactly once per crossing, even under concurrent posts and deletes.
 */
export function changeSize(
  ctx: SqliteContext,
  queue: QueueRow,
  sizeDelta: number,
  totalDelta: number,
  now: number,
  alerts = true,
): void {
  const after = ctx.sql.addToQueue.get(sizeDelta, totalDelta, now, queue.id) as number;
  if (!alerts || queue.extra === '{}') return;
  for (const alert of parseExtra(queue).alerts ?? []) {
    const stored = ctx.sql.getAlertState.get(queue.id, alert.id) as AlertStateRow | undefined;
    const state: AlertState = stored
      ? { armed: stored.armed === 1, level: stored.level, lastFiredAt: stored.last_fired_at }
      : INITIAL_ALERT_STATE;
    const decision = evaluateAlert(alert, state, after - sizeDelta, after, now);
    const next = decision.state;
    ctx.sql.putAlertState.run(queue.id, alert.id, next.armed ? 1 : 0, next.level, next.lastFiredAt);
    if (!decision.fire) continue;
    const target = targetQueue(ctx, queue.project_id, alert.queue, now);
    const body = alertMessageBody(alert, queue.name, after);
    append(ctx, target, [{ body, delay: 0, pushHeaders: null }], now, false);
    ctx.firedAlerts.push({ projectId: queue.project_id, queue: queue.name, alertId: alert.id, size: after });
  }
}

/**
 * Applies every fired timer of the queue (the lazy half of delays and timeouts): delays end; on an IronMQ
 * queue ended reservations are available again; on a consumer queue they become overdue, then failed.
 */
export function promoteDue(ctx: SqliteContext, queue: QueueRow, now: number): void {
  if (queue.on_timeout !== 'overdue') {
    ctx.sql.promoteDue.run(now, queue.id, now);
    return;
  }
  ctx.sql.scheduledToAvailable.run(now, queue.id, now);
  ctx.sql.reservedToOverdue.run(queue.overdue_timeout * 1000, now, queue.id, now);
  const failed = ctx.sql.overdueToFailed.run(OVERDUE_ERROR, now, queue.id, now).changes;
  if (failed > 0) changeSize(ctx, queue, -failed, 0, now);
}

/** Deletes a message, or keeps it as completed when the queue retains completed messages (CrimsonQ). */
export function removeMessage(ctx: SqliteContext, queue: QueueRow, id: number, now: number): void {
  if (queue.retain_completed) ctx.sql.retainCompleted.run(now, now, id);
  else ctx.sql.deleteMessage.run(id);
}
