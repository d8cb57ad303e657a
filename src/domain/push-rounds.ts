import { errorQueueBody } from './push';
import type { DeliveryResult, PushStatus, QueueType } from './types';

/**
 * Push rounds (docs/design.md, "Push delivery"): what one attempt's outcome does to a message's deliveries —
 * retries, 202 holds, unicast fail-over — when the message is done, and what the error queue is told. Pure
 * functions of the deliveries' state; the store reads the rows, applies the changes and writes them back in
 * one transaction.
 */

/** One subscriber's delivery of one message, as a push round sees it. */
export interface RoundDelivery {
  subscriber: string;
  /** Subscriber order: unicast tries them in this order. */
  position: number;
  url: string;
  status: PushStatus;
  statusCode: number | null;
  error: string | null;
  tries: number;
  retriesRemaining: number;
  /** When the dispatcher must act next; null: nothing to do (done, or a unicast subscriber not yet reached). */
  dueAt: number | null;
  lastTryAt: number | null;
  reservationId: string | null;
}

/** An attempt to apply to a message's deliveries. */
export interface Attempt {
  type: Exclude<QueueType, 'pull'>;
  /** Seconds between rounds (push.retries_delay), in ms. */
  retriesDelayMs: number;
  subscriber: string;
  /** The Iron-Reservation-Id sent with this attempt: a 202 is acknowledged with it. */
  reservationId: string;
  result: DeliveryResult;
  now: number;
}

/**
 * Applies an attempt to `deliveries` (every delivery of the message, in position order). Returns the new state
 * of every delivery (changed or not, same order) and the attempted subscriber's status.
 */
export function applyAttempt(
  deliveries: readonly RoundDelivery[],
  attempt: Attempt,
): { status: PushStatus; deliveries: RoundDelivery[] } {
  const next = deliveries.map((d) => ({ ...d }));
  const row = next.find((d) => d.subscriber === attempt.subscriber);
  if (!row) throw new Error(`no delivery for ${attempt.subscriber}`);
  const { now, result, retriesDelayMs } = attempt;
  // A 202 keeps its retry count while held; the redelivery after an unacknowledged hold uses one up. A hold
  // with none left ends here without having been sent again (the dispatcher flags it `holdExpired`).
  const redelivery = row.status === 'reserved';
  const holdExpired = redelivery && row.retriesRemaining === 0;
  const remaining = redelivery ? Math.max(row.retriesRemaining - 1, 0) : row.retriesRemaining;
  const before = { ...row };
  const update = (
    status: PushStatus,
    retriesRemaining: number,
    dueAt: number | null,
    error: string | null,
  ) => {
    row.status = status;
    row.statusCode = holdExpired ? before.statusCode : result.statusCode;
    row.error = error;
    row.tries = holdExpired ? before.tries : before.tries + 1;
    row.retriesRemaining = retriesRemaining;
    row.dueAt = dueAt;
    row.lastTryAt = holdExpired ? before.lastTryAt : now;
    row.reservationId = status === 'reserved' ? attempt.reservationId : before.reservationId;
  };

  if (result.kind === 'delivered') {
    update('deleted', remaining, null, null);
    // Unicast: one success is the delivery; the other subscribers are not tried.
    if (attempt.type === 'unicast') for (const other of next) if (other !== row) other.dueAt = null;
    return { status: 'deleted', deliveries: next };
  }
  if (result.kind === 'held') {
    // Wait for the subscriber's acknowledgement (also on the last try); without one, redeliver after
    // retries_delay, or end when no retry is left.
    update('reserved', remaining, now + retriesDelayMs, null);
    return { status: 'reserved', deliveries: next };
  }
  if (attempt.type === 'multicast') {
    if (remaining > 0) update('retrying', remaining - 1, now + retriesDelayMs, result.error);
    else update('error', 0, null, result.error);
    return { status: row.status, deliveries: next };
  }
  // Unicast failure: fail over to the next subscriber at once; after the last one the whole round is retried
  // after retries_delay (every subscriber again, from the first), or ends in error when no retry is left.
  const following = next.find((d) => d.position > row.position);
  if (following) {
    update('retrying', remaining, null, result.error);
    following.dueAt = now;
    return { status: 'retrying', deliveries: next };
  }
  const left = remaining - 1;
  const status: PushStatus = remaining > 0 ? 'retrying' : 'error';
  update(status, Math.max(left, 0), null, result.error);
  for (const other of next) {
    if (other === row) continue;
    other.status = status;
    other.retriesRemaining = Math.max(left, 0);
    other.dueAt = null;
  }
  if (status === 'retrying') {
    const first = next[0]!;
    first.status = 'retrying';
    first.retriesRemaining = left;
    first.dueAt = now + retriesDelayMs;
  }
  return { status, deliveries: next };
}

/** A subscriber's acknowledgement of the 202 it answered: its delivery is done. */
export function acknowledge(delivery: RoundDelivery): RoundDelivery {
  return { ...delivery, status: 'deleted', error: null, dueAt: null };
}

/**
 * Whether a message's round is over: multicast when no delivery is pending any more; unicast as soon as one
 * subscriber took it, or when none is pending.
 */
export function roundFinished(type: QueueType, deliveries: readonly RoundDelivery[]): boolean {
  const delivered = deliveries.some((d) => d.status === 'deleted');
  const pending = deliveries.some(
    (d) => d.dueAt !== null || d.status === 'reserved' || d.status === 'queued',
  );
  return type === 'unicast' ? delivered || !pending : !pending;
}

/**
 * The error-queue report of a finished message, or null: every subscriber whose retries ran out, unless a
 * unicast subscriber took the message after all.
 */
export function errorReport(
  type: QueueType,
  deliveries: readonly RoundDelivery[],
  errorQueue: string | null,
  message: { id: string; body: string; pushHeaders: Record<string, string> | null },
): { queue: string; body: string } | null {
  const failed = deliveries.filter((d) => d.status === 'error');
  const delivered = deliveries.some((d) => d.status === 'deleted');
  if (errorQueue === null || failed.length === 0 || (type === 'unicast' && delivered)) return null;
  const body = errorQueueBody(
    message.id,
    message.body,
    message.pushHeaders,
    failed.map((d) => ({ name: d.subscriber, url: d.url, code: d.statusCode, msg: d.error })),
  );
  return { queue: errorQueue, body };
}

/** The first due time of each subscriber when a message is posted: unicast tries one subscriber at a time. */
export function initialDueAt(type: QueueType, position: number, visibleAt: number): number | null {
  return type === 'multicast' || position === 0 ? visibleAt : null;
}

/** A delivery recorded as done (delivered or out of retries) takes no further attempt. */
export function deliveryEnded(status: PushStatus): boolean {
  return status === 'deleted' || status === 'error';
}

/** An acknowledgement needs the delivery to be held (202) under the reservation id it was sent with. */
export function canAcknowledge(delivery: RoundDelivery, reservationId: string): boolean {
  return delivery.status === 'reserved' && delivery.reservationId === reservationId;
}

/** A held delivery with no retry left whose acknowledgement did not come: it ends without being sent again. */
export function holdExpired(delivery: Pick<RoundDelivery, 'status' | 'retriesRemaining'>): boolean {
  return delivery.status === 'reserved' && delivery.retriesRemaining === 0;
}
