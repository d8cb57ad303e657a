import {
  STATES_OF,
  canComplete,
  canFail,
  canRetry,
  isLive,
  type TimeoutPolicy,
} from '../../domain/message-states';
import { QUEUE_MISSING, isFailure, type MessageOpFailure } from '../../domain/outcomes';
import type { ConsumerStatus, Message, MessageState, NewMessage, StateCounts } from '../../domain/types';
import type { SqliteContext } from './context';
import { openMessage, openQueue, type OpenedMessage } from './operation-openers';
import { STATE, policyOf, toMessage, type MessageRow, type QueueRow } from './rows';
import { append, changeSize, removeMessage } from './write-primitives';

/** The CrimsonQ model on the same queues: counts and lists by status, complete, fail, retry, flush, publish. */

export function countStates(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  now: number,
): StateCounts | null {
  const queue = openQueue(ctx, projectId, name, now);
  if (!queue) return null;
  const count = (state: MessageState) => ctx.sql.countState.get(queue.id, STATE[state]) as number;
  const total = (status: ConsumerStatus) => STATES_OF[status].reduce((sum, state) => sum + count(state), 0);
  return {
    pending: total('pending'),
    active: total('active'),
    delayed: total('delayed'),
    failed: total('failed'),
    completed: total('completed'),
  };
}

export function listStatus(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  status: ConsumerStatus,
  now: number,
  limit: number,
): Message[] | null {
  const queue = openQueue(ctx, projectId, name, now);
  if (!queue) return null;
  const rows = STATES_OF[status].flatMap(
    (state) => ctx.sql.listState.all(queue.id, STATE[state], limit) as MessageRow[],
  );
  const policy: TimeoutPolicy = policyOf(queue);
  return rows
    .sort((a, b) => a.id - b.id)
    .slice(0, limit)
    .map((row) => toMessage(row, name, now, policy));
}

/**
 * Runs a CrimsonQ operation on one message after applying its queue's timers: `operation` answers false when
 * the message's state does not allow it.
 */
function consumerMessageOp(
  ctx: SqliteContext,
  request: { projectId: string; name: string; id: string; now: number },
  operation: (found: OpenedMessage) => boolean,
): MessageOpFailure | null {
  const found = openMessage(ctx, request, true);
  if (isFailure(found)) return found;
  return operation(found) ? null : { kind: 'wrong_state', id: request.id };
}

export function completeMessage(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  id: string,
  now: number,
): MessageOpFailure | null {
  return consumerMessageOp(ctx, { projectId, name, id, now }, ({ queue, row, state }) => {
    if (!canComplete(state)) return false;
    removeMessage(ctx, queue, row.id, now);
    changeSize(ctx, queue, -1, 0, now);
    return true;
  });
}

export function failMessage(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  id: string,
  error: string,
  now: number,
): MessageOpFailure | null {
  return consumerMessageOp(ctx, { projectId, name, id, now }, ({ queue, row, state }) => {
    if (!canFail(state)) return false;
    ctx.sql.failMessage.run(error, now, now, row.id);
    changeSize(ctx, queue, -1, 0, now);
    return true;
  });
}

export function retryFailed(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  id: string | null,
  now: number,
): number | MessageOpFailure {
  let queue: QueueRow;
  let moved: number;
  if (id === null) {
    const opened = openQueue(ctx, projectId, name, now);
    if (!opened) return QUEUE_MISSING;
    queue = opened;
    moved = ctx.sql.retryAllFailed.run(now, now, queue.id).changes;
  } else {
    const found = openMessage(ctx, { projectId, name, id, now }, true);
    if (isFailure(found)) return found;
    if (!canRetry(found.state)) return { kind: 'wrong_state', id };
    queue = found.queue;
    ctx.sql.retryMessage.run(now, now, found.row.id);
    moved = 1;
  }
  if (moved > 0) changeSize(ctx, queue, moved, 0, now);
  return moved;
}

export function deleteInStatus(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  id: string,
  status: ConsumerStatus,
  now: number,
): MessageOpFailure | null {
  return consumerMessageOp(ctx, { projectId, name, id, now }, ({ queue, row, state }) => {
    if (!STATES_OF[status].includes(state)) return false;
    ctx.sql.deleteMessage.run(row.id);
    if (isLive(state)) changeSize(ctx, queue, -1, 0, now);
    return true;
  });
}

export function flushStatus(
  ctx: SqliteContext,
  projectId: string,
  name: string,
  status: 'completed' | 'failed',
  now: number,
): number | null {
  const queue = openQueue(ctx, projectId, name, now);
  if (!queue) return null;
  return ctx.sql.deleteState.run(queue.id, STATE[status]).changes;
}

export function publish(
  ctx: SqliteContext,
  projectId: string,
  topic: string,
  messages: NewMessage[],
  now: number,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  const copies = messages.map((message) => ({ ...message, topic }));
  for (const queueId of ctx.routes.match(projectId, topic)) {
    const queue = ctx.sql.getQueueById.get(queueId) as QueueRow | undefined;
    if (!queue) continue;
    result[queue.name] = append(ctx, queue, copies, now, true).ids;
  }
  return result;
}
