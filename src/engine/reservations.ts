import { performance } from 'node:perf_hooks';
import { isFailure, raise } from '../domain/outcomes';
import type { EngineDeps } from './deps';
import { QueueNotFound, UnsupportedOperation } from '../domain/errors';
import { newReservationId } from './ids';
import { DEFAULT_QUEUE_SETTINGS } from '../domain/limits';
import { queueKey } from './waiters';
import type { Message } from '../domain/types';

export interface ReserveInput {
  n: number;
  /** Seconds; null: the queue's message_timeout. */
  timeoutSeconds: number | null;
  /** Long-poll seconds, 0 for none. */
  waitSeconds: number;
  deleteOnReserve: boolean;
  /** Aborted when the client goes away, so a parked long poll stops at once. */
  signal?: AbortSignal;
}

/**
 * Reserves up to n messages. With `wait`, parks until a message arrives (post, release, or a timer firing in
 * the queue) or the wait ends, and returns as soon as it has at least one.
 */
export async function reserveMessages(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: ReserveInput,
): Promise<Message[]> {
  const started = performance.now();
  const waitMs = input.waitSeconds * 1000;
  const key = queueKey(projectId, name);
  for (;;) {
    const result = await deps.store.reserveMessages({
      projectId,
      name,
      n: input.n,
      timeoutSeconds: input.timeoutSeconds,
      deleteOnReserve: input.deleteOnReserve,
      reservationIds: Array.from({ length: input.n }, newReservationId),
      defaults: DEFAULT_QUEUE_SETTINGS,
      now: deps.clock.now(),
    });
    if (result === null) throw new QueueNotFound(name);
    if (result.pushQueue)
      throw new UnsupportedOperation('Messages of a push queue are delivered, not reserved');
    const { messages, deadLettered } = result;
    if (deadLettered > 0)
      deps.events.emit('messages:dead-lettered', { projectId, queue: name, count: deadLettered });
    if (messages.length > 0) {
      deps.events.emit('messages:reserved', { projectId, queue: name, count: messages.length });
      if (input.deleteOnReserve)
        deps.events.emit('messages:deleted', { projectId, queue: name, count: messages.length });
    }
    const remaining = waitMs - (performance.now() - started);
    if (messages.length > 0 || remaining <= 0 || deps.waiters.isClosed || input.signal?.aborted)
      return messages;
    // Sleep until woken, or until the next scheduled/reserved message of this queue becomes available.
    const nextTimer = await deps.store.nextTimerAt(projectId, name);
    const untilTimer = nextTimer === null ? remaining : Math.max(nextTimer - deps.clock.now(), 1);
    await deps.waiters.wait(key, Math.min(remaining, untilTimer), input.signal);
  }
}

export interface TouchInput {
  reservationId: string;
  timeoutSeconds: number | null;
}

/** Extends a reservation; returns the new reservation id, which replaces the old one. */
export async function touchMessage(
  deps: EngineDeps,
  projectId: string,
  name: string,
  id: string,
  input: TouchInput,
): Promise<Message> {
  const result = await deps.store.touchMessage({
    projectId,
    name,
    id,
    reservationId: input.reservationId,
    newReservationId: newReservationId(),
    timeoutSeconds: input.timeoutSeconds,
    now: deps.clock.now(),
  });
  if (isFailure(result)) raise(result, name);
  // A shorter timeout may end the reservation before a parked long poll's timer: let it re-arm.
  deps.waiters.notify(queueKey(projectId, name), 1);
  return result;
}

/** Ends a reservation: the message goes back to the front of the queue, at once or after `delaySeconds`. */
export async function releaseMessage(
  deps: EngineDeps,
  projectId: string,
  name: string,
  id: string,
  input: { reservationId: string; delaySeconds: number },
): Promise<void> {
  const failure = await deps.store.releaseMessage({
    projectId,
    name,
    id,
    reservationId: input.reservationId,
    delaySeconds: input.delaySeconds,
    now: deps.clock.now(),
  });
  if (failure) raise(failure, name);
  // Also after a delayed release: a parked long poll then re-arms its timer for the new, earlier due time
  // instead of sleeping until its wait (or the old reservation's end) runs out.
  deps.waiters.notify(queueKey(projectId, name), 1);
}
