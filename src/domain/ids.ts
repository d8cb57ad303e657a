import { randomUUID } from 'node:crypto';

/**
 * Reservation ids are opaque to clients; 122 random bits make a stale one impossible to guess or reuse. Made from
 * randomUUID (which draws from a cached pool of random bytes) as 32 hex characters, the shape clients have seen.
 */
export function newReservationId(): string {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24);
}
