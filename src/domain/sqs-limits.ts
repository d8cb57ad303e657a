import { SqsRefused } from './errors';
import type { MessageAttribute, MessageAttributes } from './types';

/** Amazon SQS's documented limits and defaults (README "SQS API"); the SQS API checks every request with them. */
export const SQS_LIMITS = {
  maxMessageBytes: 262_144,
  minMaximumMessageSize: 1024,
  maxBatchEntries: 10,
  /** The whole batch, bodies and attributes, like one message. */
  maxBatchBytes: 262_144,
  maxVisibilitySeconds: 43_200,
  maxWaitSeconds: 20,
  maxDelaySeconds: 900,
  minRetentionSeconds: 60,
  maxRetentionSeconds: 1_209_600,
  defaultRetentionSeconds: 345_600,
  defaultVisibilitySeconds: 30,
  maxReceive: 10,
  minMaxReceiveCount: 1,
  maxMaxReceiveCount: 1000,
  maxQueueNameLength: 80,
  maxListResults: 1000,
  maxMessageAttributes: 10,
  maxAttributeNameLength: 256,
  maxTags: 50,
  maxTagKeyLength: 128,
  maxTagValueLength: 256,
} as const;

const invalid = (message: string) => new SqsRefused('invalid_parameter_value', message);

/** SQS queue names: letters, digits, `-` and `_`, 1–80 characters. FIFO queues (`.fifo`) are not offered. */
export function checkSqsQueueName(name: string): void {
  if (name.endsWith('.fifo')) throw invalid('FIFO queues are not supported by this server');
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
    throw invalid(
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (QueueName)',
    );
  }
}

/** Batch entry ids: letters, digits, `-` and `_`, 1–80 characters. */
export function isValidBatchEntryId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,80}$/.test(id);
}

/** The characters SQS allows in a message: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF. */
const NOT_ALLOWED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function checkMessageBody(body: string): void {
  if (body.length === 0)
    throw new SqsRefused('missing_parameter', 'The request must contain the parameter MessageBody.');
  if (NOT_ALLOWED.test(body)) {
    throw new SqsRefused(
      'invalid_message_contents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function checkAttributeName(name: string): void {
  const lower = name.toLowerCase();
  if (
    name.length === 0 ||
    name.length > SQS_LIMITS.maxAttributeNameLength ||
    !NAME.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..') ||
    lower.startsWith('aws.') ||
    lower.startsWith('amazon.')
  ) {
    throw invalid(`Message attribute name '${name.slice(0, 256)}' is invalid.`);
  }
}

function checkAttributeValue(name: string, value: MessageAttribute): void {
  const match = /^(String|Number|Binary)(\..+)?$/.exec(value.dataType);
  if (!match || value.dataType.length > SQS_LIMITS.maxAttributeNameLength) {
    throw invalid(`The message attribute '${name}' has an invalid message attribute type.`);
  }
  const type = match[1]!;
  if (type === 'Binary') {
    if (!value.binaryValue)
      throw invalid(
        `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type 'Binary'.`,
      );
    if (value.stringValue !== undefined)
      throw invalid(`Message attribute '${name}' must contain a binary value only.`);
    return;
  }
  if (value.stringValue === undefined || value.stringValue === '') {
    throw invalid(
      `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type}'.`,
    );
  }
  if (value.binaryValue !== undefined)
    throw invalid(`Message attribute '${name}' must contain a string value only.`);
  if (NOT_ALLOWED.test(value.stringValue)) {
    throw new SqsRefused(
      'invalid_message_contents',
      `Message attribute '${name}' contains invalid characters.`,
    );
  }
  if (type === 'Number' && !NUMBER.test(value.stringValue)) {
    throw invalid(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
}

/** Checks SQS's rules for message attributes: at most 10, valid names and types, a value of the type. */
export function checkMessageAttributes(attributes: MessageAttributes): void {
  const names = Object.keys(attributes);
  if (names.length > SQS_LIMITS.maxMessageAttributes) {
    throw invalid(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  }
  for (const name of names) {
    checkAttributeName(name);
    checkAttributeValue(name, attributes[name]!);
  }
}

/** What a message weighs against MaximumMessageSize: its body and each attribute's name, type and value. */
export function messageSize(body: string, attributes: MessageAttributes | null): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes ?? {})) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.dataType, 'utf8');
    if (value.stringValue !== undefined) bytes += Buffer.byteLength(value.stringValue, 'utf8');
    if (value.binaryValue !== undefined) bytes += Buffer.from(value.binaryValue, 'base64').length;
  }
  return bytes;
}

/** Tag rules: at most 50 per queue, keys of 1–128 characters, values of at most 256. */
export function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > SQS_LIMITS.maxTags)
    throw invalid('Too many tags added for queue (at most 50).');
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > SQS_LIMITS.maxTagKeyLength || key.toLowerCase().startsWith('aws:')) {
      throw invalid(
        `Tag key '${key.slice(0, 128)}' is invalid: 1 to 128 characters, not starting with aws:.`,
      );
    }
    if (value.length > SQS_LIMITS.maxTagValueLength)
      throw invalid(`The value of tag '${key}' is longer than 256 characters.`);
  }
}
