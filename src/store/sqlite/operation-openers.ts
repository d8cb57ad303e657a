import { QUEUE_MISSING, type MessageOpFailure } from '../../domain/outcomes';
import type { MessageState } from '../../domain/types';
import type { SqliteContext } from './context';
import { messageRow, queueRow } from './lookups';
import { policyOf, stateOf, type MessageRow, type QueueRow } from './rows';
import { promoteDue } from './write-primitives';

/**
 * The opening every message operation shares, written once: find the queue, apply its fired timers, find the
 * message and its state at `now`. The caller then applies the domain's rule for its operation.
 */

/** A queue with its fired timers applied (inside a write), or undefined when missing. */
export function openQueue(ctx: SqliteContext, projectId: string, name: string, now: number) {
  const queue = queueRow(ctx, projectId, name);
  if (queue) promoteDue(ctx, queue, now);
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
 * `now`. With `timers`, the queue's fired timers are applied first (writes only), so the stored state is current.
 */
export function openMessage(
  ctx: SqliteContext,
  request: { projectId: string; name: string; id: string; now: number },
  timers: boolean,
): OpenedMessage | MessageOpFailure {
  const queue = timers
    ? openQueue(ctx, request.projectId, request.name, request.now)
    : queueRow(ctx, request.projectId, request.name);
  if (!queue) return QUEUE_MISSING;
  const row = messageRow(ctx, queue.id, request.id, request.now);
  if (!row) return { kind: 'message_not_found', id: request.id };
  return { queue, row, state: stateOf(row, request.now, policyOf(queue)) };
}
