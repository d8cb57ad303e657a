import { shouldDeadLetter } from '../../domain/dead-letter';
import { newReservationId } from '../../domain/ids';
import { DEFAULT_QUEUE_SETTINGS } from '../../domain/limits';
import { checkDelete, checkReservation, isLive, reservable } from '../../domain/message-states';
import { QUEUE_MISSING, isFailure, type MessageOpFailure, type QueueMissing } from '../../domain/outcomes';
import type { Message, NewMessage } from '../../domain/types';
import type {
  ExpiredCounts,
  MessageRef,
  PostResult,
  ReleaseRequest,
  ReserveRequest,
  ReserveResult,
  TouchRequest,
} from '../store';
import type { SqliteContext } from './context';
import { markDeadLetter } from './dead-letters';
import { Rollback } from './group-commit';
import { messageRow, queueRow } from './lookups';
import { openMessage, type OpenedMessage } from './operation-openers';
import {
  STATE,
  deadLetterOf,
  parseAttributes,
  parseHeaders,
  policyOf,
  stateName,
  stateOf,
  toMessage,
  type MessageRow,
  type QueueRow,
} from './rows';
import { append, changeSize, insertQueue, promoteDue, removeMessage, targetQueue } from './write-primitives';

/** Messages of IronMQ pull queues: post, reserve, peek, get, delete, clear, touch, release, expiry, timers. */

export function postMessages(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  messages: NewMessage[],
  now: number,
): PostResult {
  const queue =
    queueRow(ctx, projectId, name) ?? insertQueue(ctx, projectId, name, DEFAULT_QUEUE_SETTINGS, now);
  return append(ctx, queue, messages, now, true);
}

const PUSH_QUEUE: ReserveResult = { messages: [], deadLettered: 0, pushQueue: true, atCapacity: false };
const AT_CAPACITY: ReserveResult = { messages: [], deadLettered: 0, pushQueue: false, atCapacity: true };

export function reserveMessages(ctx: SqliteContext, request: ReserveRequest): ReserveResult | null {
  const queue = queueRow(ctx, request.projectId, request.name);
  if (!queue) return null;
  if (queue.type !== 'pull') return PUSH_QUEUE;
  const { now } = request;
  promoteDue(ctx, queue, now);
  // Consumers show lastActive; queues with an idle expiry live by it. Plain IronMQ queues skip the write.
  if (queue.idle_expiry > 0 || queue.on_timeout === 'overdue') ctx.sql.markActive.run(now, queue.id);
  const held = queue.max_in_flight > 0 ? (ctx.sql.countState.get(queue.id, STATE.reserved) as number) : 0;
  const n = reservable(request.n, queue.max_in_flight, held);
  if (n === 0) return AT_CAPACITY;
  const deadLetterRule = deadLetterOf(queue);
  const policy = policyOf(queue);
  const reserved: Message[] = [];
  const timeout = request.timeoutSeconds ?? queue.message_timeout;
  const reservedUntil = now + timeout * 1000;
  let deadLettered = 0;
  // Loop only when messages were moved to the dead-letter queue instead of being returned.
  while (reserved.length < n) {
    const rows = ctx.sql.headOfQueue.all(queue.id, now, n - reserved.length) as MessageRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      if (deadLetterRule && shouldDeadLetter(deadLetterRule, row.reserved_count)) {
        deadLetter(ctx, queue, deadLetterRule.queueName, row, now);
        deadLettered++;
        continue;
      }
      const reservationId = newReservationId();
      const updated: MessageRow = {
        ...row,
        state: STATE.reserved,
        reservation_id: reservationId,
        visible_at: reservedUntil,
        reservation_timeout: timeout,
        reserved_count: row.reserved_count + 1,
        updated_at: now,
        active_at: now,
        first_reserved_at: row.first_reserved_at ?? now,
      };
      if (request.deleteOnReserve) removeMessage(ctx, queue, row.id, now);
      else ctx.sql.reserveMessage.run(reservationId, reservedUntil, timeout, now, now, now, row.id);
      reserved.push(toMessage(updated, queue.name, now, policy));
    }
  }
  if (request.deleteOnReserve && reserved.length > 0) changeSize(ctx, queue, -reserved.length, 0, now);
  return { messages: reserved, deadLettered, pushQueue: false, atCapacity: false };
}

/** Moves a message over the dead-letter limit: same row into a pull queue, a copy into a push queue. */
function deadLetter(ctx: SqliteContext, queue: QueueRow, target: string, row: MessageRow, now: number): void {
  const into = targetQueue(ctx, queue.project_id, target, now);
  if (into.type === 'pull') {
    // Same row: the dead letter keeps its id, body and reserved_count, and notes where it came from.
    ctx.sql.moveMessage.run(into.id, now, row.id);
    markDeadLetter(ctx, row.id, queue.name);
    changeSize(ctx, into, 1, 1, now);
  } else {
    // A push queue delivers what it receives: post a copy there (with its deliveries).
    ctx.sql.deleteMessage.run(row.id);
    const copy = { body: row.body, delay: 0, pushHeaders: parseHeaders(row.push_headers) };
    append(ctx, into, [{ ...copy, attributes: parseAttributes(row.attributes) }], now, true);
  }
  changeSize(ctx, queue, -1, 0, now);
}

export function peekMessages(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  n: number,
  now: number,
): Message[] | null {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return null;
  // What a reserve would return: the available head merged with messages whose timer has fired.
  const head = ctx.sql.headOfQueue.all(queue.id, now, n) as MessageRow[];
  // On a consumer queue a timed-out reservation is overdue, not available again.
  const dueTimers = queue.on_timeout === 'overdue' ? ctx.sql.dueScheduled : ctx.sql.dueMessages;
  const due = dueTimers.all(queue.id, now, now, n) as MessageRow[];
  const policy = policyOf(queue);
  return [...head, ...due]
    .sort((a, b) => a.id - b.id)
    .slice(0, n)
    .map((row) => toMessage(row, name, now, policy));
}

export function getMessage(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  id: string,
  now: number,
): Message | QueueMissing | null {
  const found = openMessage(ctx, { projectId, name, id, now }, false);
  if (isFailure(found)) return found.kind === 'queue_not_found' ? QUEUE_MISSING : null;
  return isLive(found.state) ? toMessage(found.row, name, now, policyOf(found.queue)) : null;
}

export function deleteMessages(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  items: readonly MessageRef[],
  now: number,
): MessageOpFailure | null {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return QUEUE_MISSING;
  const policy = policyOf(queue);
  let removed = 0;
  for (const item of items) {
    const row = messageRow(ctx, queue.id, item.id, now);
    const state = row ? stateOf(row, now, policy) : null;
    // All or nothing: the first refusal undoes the deletes before it.
    if (!row || state === null || !isLive(state))
      throw new Rollback({ kind: 'message_not_found', id: item.id });
    const failure = checkDelete(String(row.id), state, row.reservation_id, item.reservationId);
    if (failure) throw new Rollback(failure);
    removeMessage(ctx, queue, row.id, now);
    removed++;
  }
  if (removed > 0) changeSize(ctx, queue, -removed, 0, now);
  return null;
}

export function clearMessages(ctx: SqliteContext, projectId: string, name: string, now: number): boolean {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return false;
  ctx.sql.clearQueue.run(queue.id);
  if (queue.size > 0) changeSize(ctx, queue, -queue.size, 0, now);
  return true;
}

/** A message under a live reservation with this id, or why not. */
function heldMessage(
  ctx: SqliteContext,
  request: { projectId: string; name: string; id: string; reservationId: string; now: number },
): OpenedMessage | MessageOpFailure {
  const found = openMessage(ctx, request, false);
  if (isFailure(found)) return found;
  return checkReservation(request.id, found.state, found.row.reservation_id, request.reservationId) ?? found;
}

export function touchMessage(ctx: SqliteContext, request: TouchRequest): Message | MessageOpFailure {
  const found = heldMessage(ctx, request);
  if (isFailure(found)) return found;
  const { queue, row } = found;
  const timeout = request.timeoutSeconds ?? queue.message_timeout;
  const reservedUntil = request.now + timeout * 1000;
  ctx.sql.touchMessage.run(request.newReservationId, reservedUntil, timeout, request.now, row.id);
  const touched: MessageRow = {
    ...row,
    reservation_id: request.newReservationId,
    visible_at: reservedUntil,
    reservation_timeout: timeout,
    updated_at: request.now,
  };
  return toMessage(touched, queue.name, request.now, policyOf(queue));
}

export function releaseMessage(ctx: SqliteContext, request: ReleaseRequest): MessageOpFailure | null {
  const found = heldMessage(ctx, request);
  if (isFailure(found)) return found;
  const delayed = request.delaySeconds > 0;
  ctx.sql.releaseMessage.run(
    delayed ? STATE.scheduled : STATE.available,
    request.now + request.delaySeconds * 1000,
    request.now,
    request.now,
    found.row.id,
  );
  return null;
}

export function nextTimerAt(ctx: SqliteContext, projectId: string, name: string): number | null {
  const queue = queueRow(ctx, projectId, name);
  if (!queue) return null;
  return (ctx.sql.nextTimer.get(queue.id) as number | null | undefined) ?? null;
}

export function expireMessages(ctx: SqliteContext, now: number, limit: number): ExpiredCounts {
  const rows = ctx.sql.expired.all(now, limit) as { id: number; queue_id: number; state: number }[];
  const perQueue = new Map<number, { live: number; all: number }>();
  for (const row of rows) {
    ctx.sql.deleteMessage.run(row.id);
    const counts = perQueue.get(row.queue_id) ?? { live: 0, all: 0 };
    counts.all++;
    if (isLive(stateName(row.state))) counts.live++;
    perQueue.set(row.queue_id, counts);
  }
  const byQueue: ExpiredCounts['byQueue'] = [];
  for (const [queueId, counts] of perQueue) {
    const queue = ctx.sql.getQueueById.get(queueId) as QueueRow;
    if (counts.live > 0) changeSize(ctx, queue, -counts.live, 0, now);
    byQueue.push({ projectId: queue.project_id, name: queue.name, count: counts.all });
  }
  return { total: rows.length, byQueue };
}

export function applyTimers(ctx: SqliteContext, now: number, limit: number): number {
  const ids = ctx.sql.queuesWithDueTimers.all(now, limit) as number[];
  for (const id of ids) {
    const queue = ctx.sql.getQueueById.get(id) as QueueRow | undefined;
    if (queue) promoteDue(ctx, queue, now);
  }
  return ids.length;
}
