import type { DeadLetter } from './types';

/**
 * The dead-letter rule, applied at reserve time: a message already reserved `maxReservations` times is moved to
 * the dead-letter queue (same id, body and count into a pull queue; a copy with deliveries into a push queue)
 * instead of being handed out again.
 */
export function shouldDeadLetter(deadLetter: DeadLetter | null, reservedCount: number): boolean {
  return deadLetter !== null && reservedCount >= deadLetter.maxReservations;
}
