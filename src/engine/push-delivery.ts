import type { DeliveryResult, DeliveryTask } from '../domain/types';
import type { EngineDeps } from './deps';

/** The engine side of push delivery: leases for the dispatcher, and recording what each attempt did. */

/** Why a delivery answered 202 on its last try ended without an acknowledgement (its push status `msg`). */
export const HOLD_EXPIRED = 'Not acknowledged and no retries left';

/** Leases up to `limit` due deliveries (see Store.claimDeliveries). */
export function claimDeliveries(
  deps: EngineDeps,
  request: { limit: number; leaseMs: number; perQueueLimit: number },
): Promise<DeliveryTask[]> {
  return deps.store.claimDeliveries({ ...request, now: deps.clock.now() });
}

/** When the dispatcher must wake next, or null when nothing is scheduled. */
export function nextDeliveryAt(deps: EngineDeps): Promise<number | null> {
  return deps.store.nextDeliveryAt();
}

/**
 * Records an attempt's outcome and announces it (push:delivered, held, failed, error, completed). Nothing is
 * announced for a delivery that ended meanwhile (recorded by another attempt, or its message deleted).
 */
export async function recordAttempt(
  deps: EngineDeps,
  task: DeliveryTask,
  reservationId: string,
  result: DeliveryResult,
  retentionMs: number,
): Promise<void> {
  const recorded = await deps.store.recordDelivery({
    messageId: task.messageId,
    subscriber: task.subscriber,
    reservationId,
    result,
    now: deps.clock.now(),
    retentionMs,
  });
  if (!recorded) return;
  const event = {
    projectId: task.projectId,
    queue: task.queueName,
    messageId: task.messageId,
    subscriber: task.subscriber,
    statusCode: result.statusCode,
  };
  const events = deps.events;
  if (result.kind === 'delivered') events.emit('push:delivered', event);
  else if (result.kind === 'held' && recorded.status === 'reserved') events.emit('push:held', event);
  else {
    const error = result.kind === 'failed' ? result.error : HOLD_EXPIRED;
    events.emit('push:failed', { ...event, error });
    if (recorded.status === 'error') events.emit('push:error', { ...event, error });
  }
  if (recorded.completed) {
    events.emit('push:completed', {
      projectId: task.projectId,
      queue: task.queueName,
      messageId: task.messageId,
      errorQueue: recorded.errorQueue,
    });
  }
}
