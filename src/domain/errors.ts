/**
 * Typed domain errors. Each has a stable `code`; none knows about HTTP. `http/errors.ts` maps every code to a
 * status and wire text in one exhaustive switch, so adding a class here without mapping it fails to compile.
 */
export abstract class FerriteError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

export type ErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'queue_not_found'
  | 'message_not_found'
  | 'not_found'
  | 'wrong_state'
  | 'consumer_exists'
  | 'concurrency_exceeded'
  | 'reservation_mismatch'
  | 'message_reserved'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_operation'
  | 'store_unavailable'
  | 'server_busy'
  | 'sqs_refused';

/** Input that is malformed or out of range; the message says which field and why. */
export class InvalidInput extends FerriteError {
  readonly code = 'invalid_input';
}

/** No token, an unknown or revoked token, or a token of another project. */
export class Unauthorized extends FerriteError {
  readonly code = 'unauthorized';
  constructor() {
    super('Invalid project/token combination');
  }
}

export class QueueNotFound extends FerriteError {
  readonly code = 'queue_not_found';
  constructor(readonly queueName: string) {
    super('Queue not found');
  }
}

export class MessageNotFound extends FerriteError {
  readonly code = 'message_not_found';
  constructor(readonly messageId: string) {
    super('Message not found');
  }
}

/**
 * A reservation id that does not (or no longer) match the message's current reservation: it timed out, the
 * message was reserved again by someone else, or it was released.
 */
export class ReservationMismatch extends FerriteError {
  readonly code = 'reservation_mismatch';
  constructor(readonly messageId: string) {
    super('Reservation timed out or does not match');
  }
}

/** Deleting a message that someone holds, without its reservation id. */
export class MessageReserved extends FerriteError {
  readonly code = 'message_reserved';
  constructor(readonly messageId: string) {
    super('Message is reserved; a reservation_id is required');
  }
}

/** Another missing resource (an alert id …); the message names it. */
export class NotFound extends FerriteError {
  readonly code = 'not_found';
}

/** The message exists, but its state does not allow the operation (complete a pending message …). */
export class WrongState extends FerriteError {
  readonly code = 'wrong_state';
  constructor(readonly messageId: string) {
    super('The message is not in a state that allows this');
  }
}

/** Creating a consumer (queue) that already exists, through the CrimsonQ API. */
export class ConsumerExists extends FerriteError {
  readonly code = 'consumer_exists';
  constructor(readonly consumerId: string) {
    super('Consumer already exists');
  }
}

/** A CrimsonQ pull on a consumer that already holds `concurrency` active messages. */
export class ConcurrencyExceeded extends FerriteError {
  readonly code = 'concurrency_exceeded';
  constructor() {
    super('Pull exceeded the consumer concurrency');
  }
}

export class RouteNotFound extends FerriteError {
  readonly code = 'route_not_found';
  constructor() {
    super('Not found');
  }
}

export class MethodNotAllowed extends FerriteError {
  readonly code = 'method_not_allowed';
  constructor(readonly allowed: readonly string[]) {
    super('Method not allowed');
  }
}

export class PayloadTooLarge extends FerriteError {
  readonly code = 'payload_too_large';
}

/** A valid request the queue cannot honour, e.g. changing a queue's type. */
export class UnsupportedOperation extends FerriteError {
  readonly code = 'unsupported_operation';
}

/** The store cannot write (disk full, read-only file): the request changed nothing and may be retried. */
export class StoreUnavailable extends FerriteError {
  readonly code = 'store_unavailable';
}

/** Too many long polls are parked (FERRITE_MAX_LONG_POLLS): the request changed nothing and may be retried. */
export class ServerBusy extends FerriteError {
  readonly code = 'server_busy';
}

/**
 * Why the SQS API refuses a request in a way only SQS names (README "SQS API"): each reason is one SQS error
 * code, mapped in src/http/sqs/errors.ts. The other protocols never raise it.
 */
export type SqsRefusal =
  | 'missing_action'
  | 'invalid_action'
  | 'missing_parameter'
  | 'invalid_parameter_value'
  | 'invalid_attribute_name'
  | 'invalid_attribute_value'
  | 'invalid_message_contents'
  | 'invalid_address'
  | 'queue_name_exists'
  | 'receipt_handle_invalid'
  | 'message_not_inflight'
  | 'empty_batch'
  | 'too_many_entries'
  | 'batch_ids_not_distinct'
  | 'invalid_batch_entry_id'
  | 'batch_too_long'
  | 'access_denied'
  | 'missing_authentication_token'
  | 'incomplete_signature'
  | 'invalid_client_token_id'
  | 'signature_does_not_match'
  | 'request_expired';

/** An SQS request refused for a reason of SQS's own; the message says what and why. */
export class SqsRefused extends FerriteError {
  readonly code = 'sqs_refused';
  constructor(
    readonly reason: SqsRefusal,
    message: string,
  ) {
    super(message);
  }
}
