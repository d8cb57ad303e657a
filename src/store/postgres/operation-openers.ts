import { QUEUE_MISSING, type MessageOpFailure } from '../../domain/outcomes';
import type { MessageState } from '../../domain/types';
import { policyOf, stateOf, type MessageRow, type QueueRow } from '../rows';
import type { PgContext } from './context';
import { messageRow, queueRow } from './lookups';
import { promoteDue } from './write-primitives';

/**
 * The opening every message operation shares, written once: find the queue, apply its fired timers, find the
 * message (locked, for a write) and its state at `now`. The caller then applies the domain's rule.
 */

/** A queue with its fired timers applied (inside a write), or undefined when missing. */
export async function openQueue(
  ctx: PgContext,
  projectId: string,
  name: string,
  now: number,
): Promise<QueueRow | undefined> {
  const queue = await queueRow(ctx, projectId, name);
  if (queue) await promoteDue(ctx, queue, now);
  return queue;
}

export interface OpenedMessage {
  queue: QueueRow;
  row: MessageRow;
  /** The message's state at `now` (domain rule; with `timers`, also its stored state). */
  state: MessageState;
}

/**
 * Finds a message of a queue: queue missing, message missing (or expired), or the message with its state at
 * `now`. With `timers`, the queue's fired timers are applied first. With `lock`, the message row is locked until
 * the transaction ends, so the write that follows acts on what was read, whichever node races it.
 */
export async function openMessage(
  ctx: PgContext,
  request: { projectId: string; name: string; id: string; now: number },
  options: { timers: boolean; lock: boolean },
): Promise<OpenedMessage | MessageOpFailure> {
  const queue = options.timers
    ? await openQueue(ctx, request.projectId, request.name, request.now)
    : await queueRow(ctx, request.projectId, request.name);
  if (!queue) return QUEUE_MISSING;
  const row = await messageRow(ctx, queue.id, request.id, request.now, options.lock);
  if (!row) return { kind: 'message_not_found', id: request.id };
  return { queue, row, state: stateOf(row, request.now, policyOf(queue)) };
}
