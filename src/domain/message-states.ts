import type { MessageOpFailure } from './outcomes';
import type { ConsumerStatus, MessageState, QueueSettings, StatusTimes } from './types';

/**
 * The message state machine (docs/design.md, "Message states"): which states count in a queue's size, what a
 * fired timer does, who may act on a held message, and which CrimsonQ statuses each state shows as. Every store
 * applies these rules inside its transactions; none of them reads a clock or a database.
 */

/** What a queue's timers do: IronMQ requeues timed-out reservations; CrimsonQ consumers make them overdue. */
export type TimeoutPolicy = Pick<QueueSettings, 'onTimeout' | 'overdueTimeout'>;

export const REQUEUE: TimeoutPolicy = { onTimeout: 'requeue', overdueTimeout: 0 };

/** The error text of a message whose overdue grace ended (CrimsonQ's). */
export const OVERDUE_ERROR = 'Job took too long to execute';

/** States counted in a queue's `size`: everything not yet failed or completed. */
export function isLive(state: MessageState): boolean {
  return state === 'available' || state === 'scheduled' || state === 'reserved' || state === 'overdue';
}

/** States in which someone holds the message under a reservation id (an overdue holder may still finish it). */
export function isHeld(state: MessageState): boolean {
  return state === 'reserved' || state === 'overdue';
}

/** States with a timer (`visibleAt`) that moves them on by themselves. */
export function hasTimer(state: MessageState): boolean {
  return state === 'scheduled' || state === 'reserved' || state === 'overdue';
}

/**
 * The state a message is in at `now`, whether or not a write has applied its fired timer yet: promotion is lazy
 * (reserve, and the timeouts job, write it), so every read goes through this.
 */
export function effectiveState(
  stored: MessageState,
  visibleAt: number,
  now: number,
  policy: TimeoutPolicy = REQUEUE,
): MessageState {
  if (visibleAt > now || !hasTimer(stored)) return stored;
  if (stored === 'scheduled') return 'available';
  if (policy.onTimeout !== 'overdue') return stored === 'reserved' ? 'available' : stored;
  if (stored === 'reserved') return visibleAt + policy.overdueTimeout * 1000 <= now ? 'failed' : 'overdue';
  return 'failed';
}

/**
 * The status times a message shows at `now` (statusHistory): the stored ones, plus the entries of timers that
 * fired before a write applied them, timed when they fired (a reservation's end, an overdue grace's end), the
 * same times the store writes when it applies them.
 */
export function effectiveStatusTimes(
  stored: MessageState,
  effective: MessageState,
  visibleAt: number,
  times: StatusTimes,
  policy: TimeoutPolicy = REQUEUE,
): StatusTimes {
  if (stored === effective) return times;
  if (stored === 'reserved' && effective === 'available') return { ...times, pending: visibleAt };
  if (stored === 'reserved' && effective === 'overdue') return { ...times, delayed: visibleAt };
  if (stored === 'reserved' && effective === 'failed') {
    return { ...times, delayed: visibleAt, failed: visibleAt + policy.overdueTimeout * 1000 };
  }
  if (stored === 'overdue' && effective === 'failed') return { ...times, failed: visibleAt };
  // A delay that ended (scheduled → available) stays pending: no entry.
  return times;
}

/** The error a message shows: its own, or the overdue text when its grace ended before a write recorded it. */
export function effectiveError(stored: MessageState, effective: MessageState, error: string | null) {
  return effective === 'failed' && stored !== 'failed' ? OVERDUE_ERROR : error;
}

/**
 * Whether a delete may remove a message in `state` (already effective): a held message needs its current
 * reservation id; a message nobody holds is deleted without one, and refuses one.
 */
export function checkDelete(
  id: string,
  state: MessageState,
  heldUnder: string | null,
  given: string | null,
): MessageOpFailure | null {
  const held = isHeld(state);
  if (given === null) return held ? { kind: 'message_reserved', id } : null;
  if (!held || heldUnder !== given) return { kind: 'reservation_mismatch', id };
  return null;
}

/** Touch and release need a live reservation (not an overdue one) under the given id. */
export function checkReservation(
  id: string,
  state: MessageState,
  heldUnder: string | null,
  given: string,
): MessageOpFailure | null {
  if (!isLive(state)) return { kind: 'message_not_found', id };
  if (state !== 'reserved' || heldUnder !== given) return { kind: 'reservation_mismatch', id };
  return null;
}

/** How many of `n` requested messages a reserve may hand out under the queue's max_in_flight; 0: at capacity. */
export function reservable(n: number, maxInFlight: number, held: number): number {
  return maxInFlight > 0 ? Math.max(Math.min(n, maxInFlight - held), 0) : n;
}

/** The stored states behind each CrimsonQ status. */
export const STATES_OF: Readonly<Record<ConsumerStatus, readonly MessageState[]>> = {
  pending: ['available', 'scheduled'],
  active: ['reserved'],
  delayed: ['overdue'],
  failed: ['failed'],
  completed: ['completed'],
};

/** CrimsonQ complete: only an active or delayed message. */
export const canComplete = isHeld;

/** CrimsonQ fail: any message still in the queue's size. */
export const canFail = isLive;

/** CrimsonQ retry: only a failed message. */
export function canRetry(state: MessageState): boolean {
  return state === 'failed';
}
