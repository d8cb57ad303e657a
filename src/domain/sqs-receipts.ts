import { SqsRefused } from './errors';

/**
 * Receipt handles: one reservation of one message of one queue. The reservation id inside is 122 random bits
 * issued by that receive, so a handle cannot be guessed, and it stops working when the reservation ends or is
 * replaced by another receive. The encoding is opaque to clients (base64url).
 */
export interface Receipt {
  /** The queue's store id (Queue.id). */
  queueId: string;
  messageId: string;
  reservationId: string;
}

export function receiptHandle(receipt: Receipt): string {
  return Buffer.from(`${receipt.queueId}:${receipt.messageId}:${receipt.reservationId}`, 'utf8').toString(
    'base64url',
  );
}

const SHAPE = /^(\d{1,18}):(\d{1,18}):([0-9a-f]{32})$/;

/** The receipt a handle stands for; anything that is not a handle of ours is ReceiptHandleIsInvalid. */
export function parseReceiptHandle(handle: string): Receipt {
  const match = /^[A-Za-z0-9_-]{1,128}$/.test(handle)
    ? SHAPE.exec(Buffer.from(handle, 'base64url').toString('utf8'))
    : null;
  if (!match)
    throw new SqsRefused(
      'receipt_handle_invalid',
      `The input receipt handle "${handle.slice(0, 128)}" is not a valid receipt handle.`,
    );
  return { queueId: match[1]!, messageId: match[2]!, reservationId: match[3]! };
}
