import { shouldDeadLetter } from '../../domain/dead-letter';
import { newReservationId } from '../../domain/ids';
import { checkDelete, checkReservation, isLive, reservable } from '../../domain/message-states';
import { QUEUE_MISSING, isFailure, type MessageOpFailure, type QueueMissing } from '../../domain/outcomes';
import type { Message, NewMessage } from '../../domain/types';
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
} from '../rows';
import type {
  ExpiredCounts,
  MessageRef,
  PostResult,
  ReleaseRequest,
  ReserveRequest,
  ReserveResult,
  TouchRequest,
} from '../store';
import { row, rows, run, type PgContext } from './context';
import { messageRow, queueRow } from './lookups';
import { openMessage, type OpenedMessage } from './operation-openers';
import { SQL } from './statements';
import { Rollback } from './transactions';
import { markDeadLetter } from './dead-letters';
import { append, changeSize, promoteDue, queueOrCreate, removeMessage } from './write-primitives';

/**
 * Messages of IronMQ pull queues, the general path: post, reserve, peek, get, delete, clear, touch, release,
 * expiry, timers. Each runs in one transaction with the domain's rules between its reads and writes; the
 * common cases also have single-statement fast paths (fast-paths.ts) that fall back to these.
 */

export async function postMessages(
  ctx: PgContext,
  projectId: string,
  name: string,
  messages: NewMessage[],
  now: number,
): Promise<PostResult> {
  const queue = await queueOrCreate(ctx, projectId, name, now);
  return append(ctx, queue, messages, now, true);
}

const PUSH_QUEUE: ReserveResult = { messages: [], deadLettered: 0, pushQueue: true, atCapacity: false };
const AT_CAPACITY: ReserveResult = { messages: [], deadLettered: 0, pushQueue: false, atCapacity: true };

export async function reserveMessages(
  ctx: PgContext,
  request: ReserveRequest,
): Promise<ReserveResult | null> {
  let queue = await queueRow(ctx, request.projectId, request.name);
  if (!queue) return null;
  if (queue.type !== 'pull') return PUSH_QUEUE;
  // max_in_flight is counted under the queue row's lock: two nodes cannot both see the last free slot.
  if (queue.max_in_flight > 0) {
    queue = await row<QueueRow>(ctx, SQL.lockQueue, [queue.project_id, queue.name]);
    if (!queue) return null;
  }
  const { now } = request;
  await promoteDue(ctx, queue, now);
  // Consumers show lastActive; queues with an idle expiry live by it. Plain IronMQ queues skip the write.
  if (queue.idle_expiry > 0 || queue.on_timeout === 'overdue') {
    await run(ctx, SQL.markActive, [now, queue.id]);
  }
  const held =
    queue.max_in_flight > 0
      ? (await row<{ n: number }>(ctx, SQL.countState, [queue.id, STATE.reserved]))!.n
      : 0;
  const n = reservable(request.n, queue.max_in_flight, held);
  if (n === 0) return AT_CAPACITY;
  const deadLetterRule = deadLetterOf(queue);
  const policy = policyOf(queue);
  const reserved: Message[] = [];
  const timeout = request.timeoutSeconds ?? queue.message_timeout;
  const reservedUntil = now + timeout * 1000;
  let deadLettered = 0;
  const deleted: number[] = [];
  // Loop only when messages were moved to the dead-letter queue instead of being returned.
  while (reserved.length < n) {
    const head = await rows<MessageRow>(ctx, SQL.headOfQueue, [queue.id, now, n - reserved.length]);
    if (head.length === 0) break;
    for (const found of head) {
      if (deadLetterRule && shouldDeadLetter(deadLetterRule, found.reserved_count)) {
        await deadLetter(ctx, queue, deadLetterRule.queueName, found, now);
        deadLettered++;
        continue;
      }
      const reservationId = newReservationId();
      const updated: MessageRow = {
        ...found,
        state: STATE.reserved,
        reservation_id: reservationId,
        visible_at: reservedUntil,
        reservation_timeout: timeout,
        reserved_count: found.reserved_count + 1,
        updated_at: now,
        active_at: now,
        first_reserved_at: found.first_reserved_at ?? now,
      };
      if (request.deleteOnReserve) {
        if (queue.retain_completed) await removeMessage(ctx, queue, found.id, now);
        else deleted.push(found.id);
      } else {
        await run(ctx, SQL.reserveMessage, [reservationId, reservedUntil, timeout, now, now, found.id]);
      }
      reserved.push(toMessage(updated, queue.name, now, policy));
    }
  }
  if (deleted.length > 0) await run(ctx, SQL.deleteMessages, [deleted]);
  if (request.deleteOnReserve && reserved.length > 0) await changeSize(ctx, queue, -reserved.length, 0, now);
  return { messages: reserved, deadLettered, pushQueue: false, atCapacity: false };
}

/** Moves a message over the dead-letter limit: same row into a pull queue, a copy into a push queue. */
async function deadLetter(
  ctx: PgContext,
  queue: QueueRow,
  target: string,
  found: MessageRow,
  now: number,
): Promise<void> {
  const into = await queueOrCreate(ctx, queue.project_id, target, now);
  if (into.type === 'pull') {
    // Same row: the dead letter keeps its id, body and reserved_count, and notes where it came from.
    await run(ctx, SQL.moveMessage, [into.id, now, found.id]);
    await markDeadLetter(ctx, found.id, queue.name);
    await changeSize(ctx, into, 1, 1, now);
  } else {
    await run(ctx, SQL.deleteMessage, [found.id]);
    await append(
      ctx,
      into,
      [
        {
          body: found.body,
          delay: 0,
          pushHeaders: parseHeaders(found.push_headers),
          attributes: parseAttributes(found.attributes),
        },
      ],
      now,
      true,
    );
  }
  await changeSize(ctx, queue, -1, 0, now);
}

export async function peekMessages(
  ctx: PgContext,
  projectId: string,
  name: string,
  n: number,
  now: number,
): Promise<Message[] | null> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return null;
  const head = await rows<MessageRow>(ctx, SQL.peekHead, [queue.id, now, n]);
  // On a consumer queue a timed-out reservation is overdue, not available again.
  const due = await rows<MessageRow>(
    ctx,
    queue.on_timeout === 'overdue' ? SQL.dueScheduled : SQL.dueMessages,
    [queue.id, now, n],
  );
  const policy = policyOf(queue);
  return [...head, ...due]
    .sort((a, b) => a.id - b.id)
    .slice(0, n)
    .map((r) => toMessage(r, name, now, policy));
}

export async function getMessage(
  ctx: PgContext,
  projectId: string,
  name: string,
  id: string,
  now: number,
): Promise<Message | QueueMissing | null> {
  const found = await openMessage(ctx, { projectId, name, id, now }, { timers: false, lock: false });
  if (isFailure(found)) return found.kind === 'queue_not_found' ? QUEUE_MISSING : null;
  return isLive(found.state) ? toMessage(found.row, name, now, policyOf(found.queue)) : null;
}

export async function deleteMessages(
  ctx: PgContext,
  projectId: string,
  name: string,
  items: readonly MessageRef[],
  now: number,
): Promise<MessageOpFailure | null> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return QUEUE_MISSING;
  const policy = policyOf(queue);
  let removed = 0;
  for (const item of items) {
    const found = await messageRow(ctx, queue.id, item.id, now, true);
    const state = found ? stateOf(found, now, policy) : null;
    // All or nothing: the first refusal undoes the deletes before it.
    if (!found || state === null || !isLive(state)) {
      throw new Rollback({ kind: 'message_not_found', id: item.id });
    }
    const failure = checkDelete(String(found.id), state, found.reservation_id, item.reservationId);
    if (failure) throw new Rollback(failure);
    await removeMessage(ctx, queue, found.id, now);
    removed++;
  }
  if (removed > 0) await changeSize(ctx, queue, -removed, 0, now);
  return null;
}

export async function clearMessages(
  ctx: PgContext,
  projectId: string,
  name: string,
  now: number,
): Promise<boolean> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return false;
  await run(ctx, SQL.clearQueue, [queue.id]);
  // The size is recounted under the queue row's lock: exact whatever posted or deleted while the clear ran.
  const current = await row<QueueRow>(ctx, LOCK_QUEUE_BY_ID, [queue.id]);
  if (!current) return true;
  const left = await row<{ n: number }>(ctx, COUNT_LIVE, [queue.id]);
  const delta = (left?.n ?? 0) - current.size;
  if (delta !== 0) await changeSize(ctx, current, delta, 0, now);
  return true;
}

const LOCK_QUEUE_BY_ID = {
  name: 'lock_queue_by_id',
  // Params: id
  text: 'SELECT * FROM queues WHERE id = $1 FOR UPDATE',
};

const COUNT_LIVE = {
  name: 'count_live',
  // Params: queue_id
  text: 'SELECT count(*) AS n FROM messages WHERE queue_id = $1 AND state IN (0, 1, 2, 3)',
};

/** A message under a live reservation with this id, locked, or why not. */
async function heldMessage(
  ctx: PgContext,
  request: { projectId: string; name: string; id: string; reservationId: string; now: number },
): Promise<OpenedMessage | MessageOpFailure> {
  const found = await openMessage(ctx, request, { timers: false, lock: true });
  if (isFailure(found)) return found;
  return checkReservation(request.id, found.state, found.row.reservation_id, request.reservationId) ?? found;
}

export async function touchMessage(
  ctx: PgContext,
  request: TouchRequest,
): Promise<Message | MessageOpFailure> {
  const found = await heldMessage(ctx, request);
  if (isFailure(found)) return found;
  const { queue, row: held } = found;
  const timeout = request.timeoutSeconds ?? queue.message_timeout;
  const reservedUntil = request.now + timeout * 1000;
  await run(ctx, SQL.touchMessage, [request.newReservationId, reservedUntil, timeout, request.now, held.id]);
  const touched: MessageRow = {
    ...held,
    reservation_id: request.newReservationId,
    visible_at: reservedUntil,
    reservation_timeout: timeout,
    updated_at: request.now,
  };
  return toMessage(touched, queue.name, request.now, policyOf(queue));
}

export async function releaseMessage(
  ctx: PgContext,
  request: ReleaseRequest,
): Promise<MessageOpFailure | null> {
  const found = await heldMessage(ctx, request);
  if (isFailure(found)) return found;
  const delayed = request.delaySeconds > 0;
  await run(ctx, SQL.releaseMessage, [
    delayed ? STATE.scheduled : STATE.available,
    request.now + request.delaySeconds * 1000,
    request.now,
    request.now,
    found.row.id,
  ]);
  return null;
}

export async function nextTimerAt(ctx: PgContext, projectId: string, name: string): Promise<number | null> {
  const queue = await queueRow(ctx, projectId, name);
  if (!queue) return null;
  return (await row<{ at: number | null }>(ctx, SQL.nextTimer, [queue.id]))?.at ?? null;
}

export async function expireMessages(ctx: PgContext, now: number, limit: number): Promise<ExpiredCounts> {
  const found = await rows<{ id: number; queue_id: number; state: number }>(ctx, SQL.expired, [now, limit]);
  const perQueue = new Map<number, { live: number; all: number }>();
  for (const each of found) {
    const counts = perQueue.get(each.queue_id) ?? { live: 0, all: 0 };
    counts.all++;
    if (isLive(stateName(each.state))) counts.live++;
    perQueue.set(each.queue_id, counts);
  }
  if (found.length > 0) await run(ctx, SQL.deleteMessages, [found.map((each) => each.id)]);
  const byQueue: ExpiredCounts['byQueue'] = [];
  // Queue rows are locked in id order, the same order in every pass, so two passes cannot deadlock.
  for (const [queueId, counts] of [...perQueue].sort((a, b) => a[0] - b[0])) {
    const queue = (await row<QueueRow>(ctx, SQL.getQueueById, [queueId]))!;
    if (counts.live > 0) await changeSize(ctx, queue, -counts.live, 0, now);
    byQueue.push({ projectId: queue.project_id, name: queue.name, count: counts.all });
  }
  return { total: found.length, byQueue };
}

export async function applyTimers(ctx: PgContext, now: number, limit: number): Promise<number> {
  const ids = await rows<{ queue_id: number }>(ctx, SQL.queuesWithDueTimers, [now, limit]);
  for (const { queue_id } of ids) {
    const queue = await row<QueueRow>(ctx, SQL.getQueueById, [queue_id]);
    if (queue) await promoteDue(ctx, queue, now);
  }
  return ids.length;
}
