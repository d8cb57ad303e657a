import {
  FerriteError,
  MessageNotFound,
  PayloadTooLarge,
  ReservationMismatch,
  SqsRefused,
} from '../domain/errors';
import { isFailure } from '../domain/outcomes';
import { SQS_LIMITS, checkMessageAttributes, checkMessageBody, messageSize } from '../domain/sqs-limits';
import { sqsSettingsOf } from '../domain/sqs-queue-attributes';
import type { Receipt } from '../domain/sqs-receipts';
import type { Message, MessageAttributes, NewMessage, Queue } from '../domain/types';
import { queueKey } from '../store/wakeups';
import type { EngineDeps } from './deps';
import { deleteMessages, postMessages } from './messages';
import { releaseMessage, reserveMessages } from './reservations';
import { sqsQueue } from './sqs-queues';

/** Message operations of the SQS API, over the engine's post, reserve, delete, touch and release. */

export interface SqsSendEntry {
  body: string;
  /** Null: the queue's DelaySeconds. */
  delaySeconds: number | null;
  attributes: MessageAttributes | null;
}

/** Each entry's outcome, in order: the new message id, or why that entry was refused. */
export type EntryResult<T> = { ok: true; value: T } | { ok: false; error: FerriteError };

function checkEntry(queue: Queue, entry: SqsSendEntry): NewMessage {
  checkMessageBody(entry.body);
  if (entry.attributes) checkMessageAttributes(entry.attributes);
  const max = sqsSettingsOf(queue).maximumMessageSize;
  if (messageSize(entry.body, entry.attributes) > max) {
    throw new SqsRefused(
      'invalid_parameter_value',
      `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`,
    );
  }
  const delay = entry.delaySeconds ?? sqsSettingsOf(queue).delaySeconds;
  if (!Number.isInteger(delay) || delay < 0 || delay > SQS_LIMITS.maxDelaySeconds) {
    throw new SqsRefused(
      'invalid_parameter_value',
      `Value ${delay} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`,
    );
  }
  return { body: entry.body, delay, pushHeaders: null, attributes: entry.attributes };
}

/**
 * SendMessage and SendMessageBatch: checks every entry (body characters, attributes, size against the queue's
 * MaximumMessageSize, delay) and posts the valid ones together, in order, in one transaction. The queue must
 * exist (SQS does not create queues on send).
 */
export async function sendSqsMessages(
  deps: EngineDeps,
  projectId: string,
  name: string,
  entries: readonly SqsSendEntry[],
): Promise<EntryResult<string>[]> {
  const queue = await sqsQueue(deps, projectId, name);
  const results: (EntryResult<string> | NewMessage)[] = entries.map((entry) => {
    try {
      return checkEntry(queue, entry);
    } catch (error) {
      if (error instanceof FerriteError) return { ok: false, error };
      throw error;
    }
  });
  const valid = results.filter((r): r is NewMessage => !('ok' in r));
  let ids: string[] = [];
  if (valid.length > 0) {
    try {
      ids = await postMessages(deps, projectId, name, valid);
    } catch (error) {
      // The server's own FERRITE_MAX_MESSAGE_BYTES, below SQS's limit: SQS's error for a message too long.
      if (error instanceof PayloadTooLarge) throw new SqsRefused('invalid_parameter_value', error.message);
      throw error;
    }
  }
  let next = 0;
  return results.map((r) => ('ok' in r ? r : { ok: true, value: ids[next++]! }));
}

export interface SqsReceiveInput {
  max: number;
  /** Null: the queue's VisibilityTimeout. */
  visibilityTimeout: number | null;
  /** Null: the queue's ReceiveMessageWaitTimeSeconds. */
  waitSeconds: number | null;
  signal?: AbortSignal;
}

/** ReceiveMessage: reserves up to `max` messages, long-polling when asked (or when the queue says so). */
export async function receiveSqsMessages(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: SqsReceiveInput,
): Promise<{ queue: Queue; messages: Message[] }> {
  const queue = await sqsQueue(deps, projectId, name);
  const messages = await reserveMessages(deps, projectId, name, {
    n: input.max,
    timeoutSeconds: input.visibilityTimeout,
    waitSeconds: input.waitSeconds ?? sqsSettingsOf(queue).receiveWaitSeconds,
    deleteOnReserve: false,
    ...(input.signal ? { signal: input.signal } : {}),
  });
  return { queue, messages };
}

const invalidHandle = (handle: string) =>
  new SqsRefused(
    'receipt_handle_invalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );

/** A receipt is only good for the queue it was issued by. */
function checkReceiptQueue(queue: Queue, receipt: Receipt, handle: string): void {
  if (receipt.queueId !== queue.id) throw invalidHandle(handle);
}

/**
 * DeleteMessage: deletes the message while the receipt is its current reservation. As in SQS, a receipt that
 * is no longer current (the message was received again, or is already gone) succeeds without deleting
 * anything; a handle that is not one of this queue's is ReceiptHandleIsInvalid.
 */
export async function deleteSqsMessage(
  deps: EngineDeps,
  projectId: string,
  name: string,
  receipt: Receipt,
  handle: string,
): Promise<void> {
  const queue = await sqsQueue(deps, projectId, name);
  checkReceiptQueue(queue, receipt, handle);
  try {
    await deleteMessages(deps, projectId, name, [
      { id: receipt.messageId, reservationId: receipt.reservationId },
    ]);
  } catch (error) {
    if (error instanceof ReservationMismatch || error instanceof MessageNotFound) return;
    throw error;
  }
}

/**
 * ChangeMessageVisibility: the message stays reserved under the same receipt for `seconds` from now; 0 makes
 * it visible at once (at the front of the queue). Refused when the receipt is no longer current.
 */
export async function changeSqsVisibility(
  deps: EngineDeps,
  projectId: string,
  name: string,
  receipt: Receipt,
  handle: string,
  seconds: number,
): Promise<void> {
  const queue = await sqsQueue(deps, projectId, name);
  checkReceiptQueue(queue, receipt, handle);
  const notAvailable = new SqsRefused(
    'invalid_parameter_value',
    `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
  );
  if (seconds === 0) {
    try {
      await releaseMessage(deps, projectId, name, receipt.messageId, {
        reservationId: receipt.reservationId,
        delaySeconds: 0,
      });
    } catch (error) {
      if (error instanceof ReservationMismatch || error instanceof MessageNotFound) throw notAvailable;
      throw error;
    }
    return;
  }
  const touched = await deps.store.touchMessage({
    projectId,
    name,
    id: receipt.messageId,
    reservationId: receipt.reservationId,
    // The receipt stays good: SQS keeps the same handle across visibility changes.
    newReservationId: receipt.reservationId,
    timeoutSeconds: seconds,
    now: deps.clock.now(),
  });
  if (isFailure(touched)) {
    if (touched.kind === 'queue_not_found') await sqsQueue(deps, projectId, name);
    throw notAvailable;
  }
  // A shorter visibility may end before a parked long poll's timer: let it re-arm.
  deps.wakeups.notify(queueKey(projectId, name), 1);
}
