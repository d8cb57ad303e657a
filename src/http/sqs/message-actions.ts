import { FerriteError, SqsRefused } from '../../domain/errors';
import { SQS_LIMITS, messageSize } from '../../domain/sqs-limits';
import { md5OfAttributes, md5OfBody } from '../../domain/sqs-md5';
import { parseReceiptHandle, receiptHandle } from '../../domain/sqs-receipts';
import type { Message, MessageAttributes, Queue } from '../../domain/types';
import * as messages from '../../engine/sqs-messages';
import type { SqsContext } from './context';
import { queueOf, type SqsAction } from './context';
import { sqsErrorShape } from './errors';
import type { SqsInput } from './input';

/** The SQS message actions: send, receive, delete and change visibility, one at a time and in batches. */

function sendEntryOf(input: SqsInput): messages.SqsSendEntry {
  return {
    body: input.requiredString('MessageBody'),
    delaySeconds: input.integer('DelaySeconds', 0, SQS_LIMITS.maxDelaySeconds) ?? null,
    attributes: input.messageAttributes('MessageAttributes'),
  };
}

function sent(entry: messages.SqsSendEntry, id: string): Record<string, unknown> {
  return {
    MessageId: id,
    MD5OfMessageBody: md5OfBody(entry.body),
    MD5OfMessageAttributes: md5OfAttributes(entry.attributes) ?? undefined,
  };
}

/** A batch entry's failure: its id, SQS's code for the error, and whose fault. */
function failed(id: string, error: FerriteError) {
  const shape = sqsErrorShape(error.code, (error as { reason?: SqsRefused['reason'] }).reason);
  return { Id: id, SenderFault: shape.fault === 'Sender', Code: shape.code, Message: error.message };
}

export const sendMessage: SqsAction = async (ctx, input) => {
  const queue = queueOf(ctx, input);
  const entry = sendEntryOf(input);
  const [result] = await messages.sendSqsMessages(ctx.deps, ctx.projectId, queue, [entry]);
  if (!result!.ok) throw result!.error;
  return sent(entry, result!.value);
};

/** Runs `parse` per entry; an entry whose parameters are refused becomes a failure of its own. */
function perEntry<T>(
  entries: { id: string; input: SqsInput }[],
  parse: (input: SqsInput) => T,
): { id: string; parsed: T | null; error: FerriteError | null }[] {
  return entries.map(({ id, input }) => {
    try {
      return { id, parsed: parse(input), error: null };
    } catch (error) {
      if (error instanceof SqsRefused) return { id, parsed: null, error };
      throw error;
    }
  });
}

export const sendMessageBatch: SqsAction = async (ctx, input) => {
  const queue = queueOf(ctx, input);
  const entries = perEntry(input.entries('Entries'), sendEntryOf);
  const total = entries.reduce(
    (sum, e) => sum + (e.parsed ? messageSize(e.parsed.body, e.parsed.attributes) : 0),
    0,
  );
  if (total > SQS_LIMITS.maxBatchBytes) {
    throw new SqsRefused(
      'batch_too_long',
      `Batch requests cannot be longer than ${SQS_LIMITS.maxBatchBytes} bytes. You have sent ${total} bytes.`,
    );
  }
  const valid = entries.filter((e) => e.parsed !== null);
  const results = await messages.sendSqsMessages(
    ctx.deps,
    ctx.projectId,
    queue,
    valid.map((e) => e.parsed!),
  );
  const successful: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = entries
    .filter((e) => e.error)
    .map((e) => failed(e.id, e.error!));
  valid.forEach((entry, i) => {
    const result = results[i]!;
    if (result.ok) successful.push({ Id: entry.id, ...sent(entry.parsed!, result.value) });
    else failures.push(failed(entry.id, result.error));
  });
  return { Successful: successful, Failed: failures };
};

const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
];
/** Names SQS knows that never have a value here (FIFO, tracing, SSE). */
const ABSENT_ATTRIBUTES = new Set([
  'AWSTraceHeader',
  'MessageDeduplicationId',
  'MessageGroupId',
  'SequenceNumber',
  'SqsManagedSseEnabled',
  'DeadLetterQueueSourceArn',
]);

/** Refuses a system attribute name SQS does not know, before anything is received. */
function checkSystemAttributeNames(names: string[]): void {
  for (const name of names) {
    if (name !== 'All' && !SYSTEM_ATTRIBUTES.includes(name) && !ABSENT_ATTRIBUTES.has(name)) {
      throw new SqsRefused('invalid_attribute_name', `Unknown Attribute ${name.slice(0, 256)}.`);
    }
  }
}

function systemAttributesOf(
  message: Message,
  queue: Queue,
  names: string[],
): Record<string, string> | undefined {
  if (names.length === 0) return undefined;
  const all: Record<string, string> = {
    SenderId: queue.projectId,
    SentTimestamp: String(message.createdAt),
    ApproximateReceiveCount: String(message.reservedCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReservedAt ?? message.createdAt),
  };
  if (names.includes('All')) return all;
  const selected: Record<string, string> = {};
  for (const name of names) {
    if (SYSTEM_ATTRIBUTES.includes(name)) selected[name] = all[name]!;
  }
  return Object.keys(selected).length > 0 ? selected : undefined;
}

/** The message attributes a receive asked for: names, `All`/`.*`, or prefixes `name.*`. */
function messageAttributesOf(
  attributes: MessageAttributes | null,
  names: string[],
): MessageAttributes | null {
  if (!attributes || names.length === 0) return null;
  const wanted = (name: string) =>
    names.some(
      (pattern) =>
        pattern === 'All' ||
        pattern === '.*' ||
        pattern === name ||
        (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
  const selected: MessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) if (wanted(name)) selected[name] = value;
  return Object.keys(selected).length > 0 ? selected : null;
}

function wireAttributes(attributes: MessageAttributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = { StringValue: value.stringValue, BinaryValue: value.binaryValue, DataType: value.dataType };
  }
  return out;
}

export const receiveMessage: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  const max = input.integer('MaxNumberOfMessages', 1, SQS_LIMITS.maxReceive) ?? 1;
  const visibilityTimeout = input.integer('VisibilityTimeout', 0, SQS_LIMITS.maxVisibilitySeconds) ?? null;
  const waitSeconds = input.integer('WaitTimeSeconds', 0, SQS_LIMITS.maxWaitSeconds) ?? null;
  const systemNames = [...input.strings('AttributeNames'), ...input.strings('MessageSystemAttributeNames')];
  const attributeNames = input.strings('MessageAttributeNames');
  checkSystemAttributeNames(systemNames);
  const { queue, messages: received } = await messages.receiveSqsMessages(ctx.deps, ctx.projectId, name, {
    max,
    visibilityTimeout,
    waitSeconds,
    signal: ctx.signal,
  });
  // SQS leaves Messages out of an empty answer.
  if (received.length === 0) return {};
  return {
    Messages: received.map((message) => {
      const attributes = messageAttributesOf(message.attributes, attributeNames);
      return {
        MessageId: message.id,
        ReceiptHandle: receiptHandle({
          queueId: queue.id,
          messageId: message.id,
          reservationId: message.reservationId!,
        }),
        MD5OfBody: md5OfBody(message.body),
        Body: message.body,
        Attributes: systemAttributesOf(message, queue, systemNames),
        MD5OfMessageAttributes: md5OfAttributes(attributes) ?? undefined,
        MessageAttributes: attributes ? wireAttributes(attributes) : undefined,
      };
    }),
  };
};

export const deleteMessage: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  const handle = input.requiredString('ReceiptHandle');
  await messages.deleteSqsMessage(ctx.deps, ctx.projectId, name, parseReceiptHandle(handle), handle);
  return {};
};

export const changeMessageVisibility: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  const handle = input.requiredString('ReceiptHandle');
  const seconds = input.requiredInteger('VisibilityTimeout', 0, SQS_LIMITS.maxVisibilitySeconds);
  await messages.changeSqsVisibility(
    ctx.deps,
    ctx.projectId,
    name,
    parseReceiptHandle(handle),
    handle,
    seconds,
  );
  return {};
};

/** Runs `each` for every entry of a batch, one after the other; each entry succeeds or fails on its own. */
async function batch(
  ctx: SqsContext,
  input: SqsInput,
  each: (name: string, entry: SqsInput) => Promise<void>,
): Promise<Record<string, unknown>> {
  const name = queueOf(ctx, input);
  const successful: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const { id, input: entry } of input.entries('Entries')) {
    try {
      await each(name, entry);
      successful.push({ Id: id });
    } catch (error) {
      // A missing queue fails the whole request, as in SQS; anything else fails its entry.
      if (
        !(error instanceof FerriteError) ||
        error.code === 'queue_not_found' ||
        error.code === 'store_unavailable'
      )
        throw error;
      failures.push(failed(id, error));
    }
  }
  return { Successful: successful, Failed: failures };
}

export const deleteMessageBatch: SqsAction = (ctx, input) =>
  batch(ctx, input, async (name, entry) => {
    const handle = entry.requiredString('ReceiptHandle');
    await messages.deleteSqsMessage(ctx.deps, ctx.projectId, name, parseReceiptHandle(handle), handle);
  });

export const changeMessageVisibilityBatch: SqsAction = (ctx, input) =>
  batch(ctx, input, async (name, entry) => {
    const handle = entry.requiredString('ReceiptHandle');
    const seconds = entry.requiredInteger('VisibilityTimeout', 0, SQS_LIMITS.maxVisibilitySeconds);
    await messages.changeSqsVisibility(
      ctx.deps,
      ctx.projectId,
      name,
      parseReceiptHandle(handle),
      handle,
      seconds,
    );
  });
