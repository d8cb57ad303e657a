import { SqsRefused } from './errors';
import { DEFAULT_QUEUE_SETTINGS } from './limits';
import { deadLetterOfPolicy, policyOfDeadLetter, queueArn } from './sqs-arn';
import { SQS_LIMITS } from './sqs-limits';
import type { MessageCounts, Queue, QueueSettings, SqsQueueSettings } from './types';

/**
 * SQS queue attributes over the engine's queue settings: VisibilityTimeout is message_timeout,
 * MessageRetentionPeriod is message_expiration, RedrivePolicy is dead_letter; the rest live in `settings.sqs`.
 */

export const DEFAULT_SQS_SETTINGS: SqsQueueSettings = {
  delaySeconds: 0,
  receiveWaitSeconds: 0,
  maximumMessageSize: SQS_LIMITS.maxMessageBytes,
  opaque: {},
};

/** A queue created through SQS gets SQS's defaults: 30 s visibility, 4 days of retention. */
export const SQS_QUEUE_SETTINGS: QueueSettings = {
  ...DEFAULT_QUEUE_SETTINGS,
  messageTimeout: SQS_LIMITS.defaultVisibilitySeconds,
  messageExpiration: SQS_LIMITS.defaultRetentionSeconds,
  sqs: DEFAULT_SQS_SETTINGS,
};

/** Attributes kept as given and shown back, without effect on this server. */
const OPAQUE = new Set([
  'Policy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
]);

const INTEGER_ATTRIBUTES: Record<string, [number, number]> = {
  VisibilityTimeout: [0, SQS_LIMITS.maxVisibilitySeconds],
  MessageRetentionPeriod: [SQS_LIMITS.minRetentionSeconds, SQS_LIMITS.maxRetentionSeconds],
  DelaySeconds: [0, SQS_LIMITS.maxDelaySeconds],
  ReceiveMessageWaitTimeSeconds: [0, SQS_LIMITS.maxWaitSeconds],
  MaximumMessageSize: [SQS_LIMITS.minMaximumMessageSize, SQS_LIMITS.maxMessageBytes],
};

const COUNTS = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/** Every attribute GetQueueAttributes knows, in the order `All` lists them. */
export const READABLE_ATTRIBUTES: readonly string[] = [
  ...COUNTS,
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'RedrivePolicy',
  ...OPAQUE,
];

const unknownAttribute = (name: string) =>
  new SqsRefused('invalid_attribute_name', `Unknown Attribute ${name.slice(0, 256)}.`);

function integerOf(name: string, value: string): number {
  const [min, max] = INTEGER_ATTRIBUTES[name]!;
  const number = /^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(number >= min && number <= max)) {
    throw new SqsRefused(
      'invalid_attribute_value',
      `Invalid value for the parameter ${name}. It must be an integer from ${min} to ${max}.`,
    );
  }
  return number;
}

export function sqsSettingsOf(settings: QueueSettings): SqsQueueSettings {
  return settings.sqs ?? DEFAULT_SQS_SETTINGS;
}

/**
 * Applies CreateQueue / SetQueueAttributes attributes to a queue's settings, checking each (unknown names are
 * InvalidAttributeName, bad values InvalidAttributeValue). Read-only attributes cannot be set.
 */
export function applySqsAttributes(
  base: QueueSettings,
  attributes: Record<string, string>,
  queue: { projectId: string; name: string },
): QueueSettings {
  const settings: QueueSettings = { ...base };
  const sqs: SqsQueueSettings = { ...sqsSettingsOf(base), opaque: { ...sqsSettingsOf(base).opaque } };
  for (const [name, value] of Object.entries(attributes)) {
    switch (name) {
      case 'VisibilityTimeout':
        settings.messageTimeout = integerOf(name, value);
        break;
      case 'MessageRetentionPeriod':
        settings.messageExpiration = integerOf(name, value);
        break;
      case 'DelaySeconds':
        sqs.delaySeconds = integerOf(name, value);
        break;
      case 'ReceiveMessageWaitTimeSeconds':
        sqs.receiveWaitSeconds = integerOf(name, value);
        break;
      case 'MaximumMessageSize':
        sqs.maximumMessageSize = integerOf(name, value);
        break;
      case 'RedrivePolicy':
        if (base.type !== 'pull' && value.trim() !== '') {
          throw new SqsRefused('invalid_attribute_value', 'A push queue cannot have a RedrivePolicy.');
        }
        settings.deadLetter = deadLetterOfPolicy(value, queue.projectId, queue.name);
        break;
      default:
        if (!OPAQUE.has(name)) throw unknownAttribute(name);
        if (value === '') delete sqs.opaque[name];
        else sqs.opaque[name] = value;
    }
  }
  settings.sqs = sqs;
  return settings;
}

/** Everything GetQueueAttributes can answer about a queue, by name. */
export function queueAttributes(queue: Queue, counts: MessageCounts, region: string): Record<string, string> {
  const sqs = sqsSettingsOf(queue);
  const all: Record<string, string> = {
    ApproximateNumberOfMessages: String(counts.available),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.updatedAt / 1000)),
    QueueArn: queueArn(region, queue.projectId, queue.name),
    VisibilityTimeout: String(queue.messageTimeout),
    MessageRetentionPeriod: String(queue.messageExpiration),
    DelaySeconds: String(sqs.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(sqs.receiveWaitSeconds),
    MaximumMessageSize: String(sqs.maximumMessageSize),
  };
  if (queue.deadLetter) all.RedrivePolicy = policyOfDeadLetter(queue.deadLetter, region, queue.projectId);
  for (const [name, value] of Object.entries(sqs.opaque)) all[name] = value;
  return all;
}

/** The attributes named (`All`: every one), or InvalidAttributeName for a name SQS does not know. */
export function selectAttributes(
  all: Record<string, string>,
  names: readonly string[],
): Record<string, string> {
  if (names.length === 0) return {};
  if (names.includes('All')) return all;
  const selected: Record<string, string> = {};
  for (const name of names) {
    if (!READABLE_ATTRIBUTES.includes(name)) throw unknownAttribute(name);
    if (all[name] !== undefined) selected[name] = all[name];
  }
  return selected;
}

/** Whether CreateQueue's attributes agree with an existing queue (SQS then returns its URL, else an error). */
export function differingAttribute(
  existing: QueueSettings,
  attributes: Record<string, string>,
  queue: { projectId: string; name: string },
): string | null {
  const wanted = applySqsAttributes(existing, attributes, queue);
  const now = { ...existing, sqs: sqsSettingsOf(existing) };
  for (const name of Object.keys(attributes)) {
    if (JSON.stringify(pick(wanted, name)) !== JSON.stringify(pick(now, name))) return name;
  }
  return null;
}

function pick(settings: QueueSettings, name: string): unknown {
  const sqs = sqsSettingsOf(settings);
  switch (name) {
    case 'VisibilityTimeout':
      return settings.messageTimeout;
    case 'MessageRetentionPeriod':
      return settings.messageExpiration;
    case 'DelaySeconds':
      return sqs.delaySeconds;
    case 'ReceiveMessageWaitTimeSeconds':
      return sqs.receiveWaitSeconds;
    case 'MaximumMessageSize':
      return sqs.maximumMessageSize;
    case 'RedrivePolicy':
      return settings.deadLetter;
    default:
      return sqs.opaque[name] ?? '';
  }
}
