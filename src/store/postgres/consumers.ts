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
import { STATE, policyOf, toMessage, type MessageRow, type QueueRow } from '../rows';
import { row, rows, run, type PgContext } from './context';
import { openMessage, openQueue, type OpenedMessage } from './operation-openers';
import { SQL } from './statements';
import { append, changeSize, removeMessage } from './write-primitives';

/** The CrimsonQ model on the same queues: counts and lists by status, complete, fail, retry, flush, publish. */

export async function countStates(
  ctx: PgContext,
  projectId: string,
  name: string,
  now: number,
): Promise<StateCounts | null> {
  const queue = await openQueue(ctx, projectId, name, now);
  if (!queue) return null;
  const byState = new Map<number, number>();
  for (const each of await rows<{ state: number; n: number }>(ctx, SQL.countStates, [queue.id])) {
    byState.set(each.state, each.n);
  }
  const count = (state: MessageState) => byState.get(STATE[state]) ?? 0;
  const total = (status: ConsumerStatus) => STATES_OF[status].reduce((sum, state) => sum + count(state), 0);
  return {
    pending: total('pending'),
    active: total('active'),
    delayed: total('delayed'),
    failed: total('failed'),
    completed: total('completed'),
  };
}

export async function listStatus(
  ctx: PgContext,
  projectId: string,
  name: string,
  status: ConsumerStatus,
  now: number,
  limit: number,
): Promise<Message[] | null> {
  const queue = await openQueue(ctx, projectId, name, now);
  if (!queue) return null;
  const states = STATES_OF[status].map((state) => STATE[state]);
  const found = await rows<MessageRow>(ctx, SQL.listStates, [queue.id, states, limit]);
  const policy: TimeoutPolicy = policyOf(queue);
  return found.map((each) => toMessage(each, name, now, policy));
}

/**
 * Runs a CrimsonQ operation on one message (locked) after applying its queue's timers: `operation` answers false
 * when the message's state does not allow it.
 */
async function consumerMessageOp(
  ctx: PgContext,
  request: { projectId: string; name: string; id: string; now: number },
  operation: (found: OpenedMessage) => Promise<boolean>,
): Promise<MessageOpFailure | null> {
  const found = await openMessage(ctx, request, { timers: true, lock: true });
  if (isFailure(found)) return found;
  return (await operation(found)) ? null : { kind: 'wrong_state', id: request.id };
}

export function completeMessage(
  ctx: PgContext,
  projectId: string,
  name: string,
  id: string,
  now: number,
): Promise<MessageOpFailure | null> {
  return consumerMessageOp(ctx, { projectId, name, id, now }, async ({ queue, row: found, state }) => {
    if (!canComplete(state)) return false;
    await removeMessage(ctx, queue, found.id, now);
    await changeSize(ctx, queue, -1, 0, now);
    return true;
  });
}

export function failMessage(
  ctx: PgContext,
  projectId: string,
  name: string,
  id: string,
  error: string,
  now: number,
): Promise<MessageOpFailure | null> {
  return consumerMessageOp(ctx, { projectId, name, id, now }, async ({ queue, row: found, state }) => {
    if (!canFail(state)) return false;
    await run(ctx, SQL.failMessage, [error, now, now, found.id]);
    await changeSize(ctx, queue, -1, 0, now);
    return true;
  });
}

export async function retryFailed(
  ctx: PgContext,
  projectId: string,
  name: string,
  id: string | null,
  now: number,
): Promise<number | MessageOpFailure> {
  let queue: QueueRow;
  let moved: number;
  if (id === null) {
    const opened = await openQueue(ctx, projectId, name, now);
    if (!opened) return QUEUE_MISSING;
    queue = opened;
    moved = await run(ctx, SQL.retryAllFailed, [now, now, queue.id]);
  } else {
    const found = await openMessage(ctx, { projectId, name, id, now }, { timers: true, lock: true });
    if (isFailure(found)) return found;
    if (!canRetry(found.state)) return { kind: 'wrong_state', id };
    queue = found.queue;
    await run(ctx, SQL.retryMessage, [now, now, found.row.id]);
    moved = 1;
  }
  if (moved > 0) await changeSize(ctx, queue, moved, 0, now);
  return moved;
}

export function deleteInStatus(
  ctx: PgContext,
  projectId: string,
  name: string,
  id: string,
  status: ConsumerStatus,
  now: number,
): Promise<MessageOpFailure | null> {
  return consumerMessageOp(ctx, { projectId, name, id, now }, async ({ queue, row: found, state }) => {
    if (!STATES_OF[status].includes(state)) return false;
    await run(ctx, SQL.deleteMessage, [found.id]);
    if (isLive(state)) await changeSize(ctx, queue, -1, 0, now);
    return true;
  });
}

export async function flushStatus(
  ctx: PgContext,
  projectId: string,
  name: string,
  status: 'completed' | 'failed',
  now: number,
): Promise<number | null> {
  const queue = await openQueue(ctx, projectId, name, now);
  if (!queue) return null;
  return run(ctx, SQL.deleteState, [queue.id, STATE[status]]);
}

export async function publish(
  ctx: PgContext,
  projectId: string,
  topic: string,
  messages: NewMessage[],
  now: number,
): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  const copies = messages.map((message) => ({ ...message, topic }));
  // Queues in id order: concurrent publishes lock their counters in the same order and cannot deadlock.
  const matched = (await ctx.routes.match(ctx, projectId, topic)).sort((a, b) => a - b);
  for (const queueId of matched) {
    const queue = await row<QueueRow>(ctx, SQL.getQueueById, [queueId]);
    if (!queue) continue;
    result[queue.name] = (await append(ctx, queue, copies, now, true)).ids;
  }
  return result;
}
