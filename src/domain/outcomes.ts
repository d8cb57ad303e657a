import { MessageNotFound, MessageReserved, QueueNotFound, ReservationMismatch, WrongState } from './errors';

/** The queue named by an operation does not exist. */
export type QueueMissing = { kind: 'queue_not_found' };

export const QUEUE_MISSING: QueueMissing = { kind: 'queue_not_found' };

/**
 * Why a message operation changed nothing. Stores return these as values (they are part of the protocol, not
 * faults); the engine turns them into typed errors with `raise`.
 */
export type MessageOpFailure =
  | QueueMissing
  | { kind: 'message_not_found'; id: string }
  | { kind: 'reservation_mismatch'; id: string }
  | { kind: 'message_reserved'; id: string }
  /** The message exists but its state does not allow the operation (CrimsonQ complete, fail, retry …). */
  | { kind: 'wrong_state'; id: string };

export function isFailure(value: unknown): value is MessageOpFailure {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** Turns a store failure into the domain error a client sees. */
export function raise(failure: MessageOpFailure, queueName: string): never {
  switch (failure.kind) {
    case 'queue_not_found':
      throw new QueueNotFound(queueName);
    case 'message_not_found':
      throw new MessageNotFound(failure.id);
    case 'reservation_mismatch':
      throw new ReservationMismatch(failure.id);
    case 'message_reserved':
      throw new MessageReserved(failure.id);
    case 'wrong_state':
      throw new WrongState(failure.id);
  }
}
