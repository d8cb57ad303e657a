import { performance } from 'node:perf_hooks';
import { QueueNotFound, UnsupportedOperation } from '../domain/errors';
import { isFailure, raise } from '../domain/outcomes';
import type { Message } from '../domain/types';
import { queueKey } from '../store/wakeups';
import type { EngineDeps } from './deps';
import { newReservationId } from '../domain/ids';

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
 * the queue) or the wait ends, and returns as soon as it has at least one. The wake-up sequence is read before
 * each look at the queue, so a message committed after an empty answer wakes the wait at once (never lost).
 */
export async function reserveMessages(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: ReserveInput,
): Promise<Message[]> {
  if (input.waitSeconds <= 0) return reserveOnce(deps, projectId, name, input);
  const started = performance.now();
  const waitMs = input.waitSeconds * 1000;
  const watch = deps.wakeups.watch(queueKey(projectId, name));
  try {
    for (;;) {
      const seen = watch.sequence;
      const messages = await reserveOnce(deps, projectId, name, input);
      const remaining = waitMs - (performance.now() - started);
      if (messages.length > 0 || remaining <= 0 || deps.wakeups.closed || input.signal?.aborted)
        return messages;
      // Sleep until woken, or until the next scheduled/reserved message of this queue becomes available.
      const nextTimer = await deps.store.nextTimerAt(projectId, name);
      const untilTimer = nextTimer === null ? remaining : Math.max(nextTimer - deps.clock.now(), 1);
      await watch.wait(seen, Math.min(remaining, untilTimer), input.signal);
    }
  } finally {
    watch.end();
  }
}

/** One look at the queue: what is available now, reserved (or deleted) in one store transaction. */
async function reserveOnce(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: ReserveInput,
): Promise<Message[]> {
  const result = await deps.store.reserveMessages({
    projectId,
    name,
    n: input.n,
    timeoutSeconds: input.timeoutSeconds,
    deleteOnReserve: input.deleteOnReserve,
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
  return messages;
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
  deps.wakeups.notify(queueKey(projectId, name), 1);
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
  deps.wakeups.notify(queueKey(projectId, name), 1);
}

/**
 * The messages of a queue held under a reservation now, oldest first, at most `n` (the dashboard's view of
 * what consumers are working on). Timed-out reservations are not among them.
 */
export async function listReserved(
  deps: EngineDeps,
  projectId: string,
  name: string,
  n: number,
): Promise<Message[]> {
  const held = await deps.store.listStatus(projectId, name, 'active', deps.clock.now(), n);
  if (held === null) throw new QueueNotFound(name);
  return held;
}
