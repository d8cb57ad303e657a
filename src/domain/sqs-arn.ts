import { SqsRefused } from './errors';
import { SQS_LIMITS } from './sqs-limits';
import type { DeadLetter } from './types';

/**
 * Queue ARNs, in one stable form: `arn:aws:sqs:<region>:<project_id>:<queue_name>`. The project id stands where
 * AWS puts the account id; the region is the server's (FERRITE_SQS_REGION).
 */
export function queueArn(region: string, projectId: string, name: string): string {
  return `arn:aws:sqs:${region}:${projectId}:${name}`;
}

/** The project and queue an ARN names, whatever its region; null when it is not a queue ARN. */
export function parseQueueArn(arn: string): { projectId: string; name: string } | null {
  const match = /^arn:[^:]+:sqs:[^:]*:([^:]+):(.+)$/.exec(arn);
  return match ? { projectId: match[1]!, name: match[2]! } : null;
}

const invalidPolicy = (reason: string) =>
  new SqsRefused(
    'invalid_attribute_value',
    `Value for parameter RedrivePolicy is invalid. Reason: ${reason}.`,
  );

/**
 * RedrivePolicy (`{"deadLetterTargetArn": …, "maxReceiveCount": …}`) as the engine's dead-letter setting: a
 * message received maxReceiveCount times is moved to the target on its next receive, which is the engine's
 * rule for max_reservations. The target must be a queue of the same project. An empty policy removes it.
 */
export function deadLetterOfPolicy(policy: string, projectId: string, queueName: string): DeadLetter | null {
  if (policy.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw invalidPolicy('Invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalidPolicy('Invalid JSON');
  const { deadLetterTargetArn: arn, maxReceiveCount: raw } = parsed as Record<string, unknown>;
  if (typeof arn !== 'string')
    throw invalidPolicy('Redrive policy does not contain mandatory attribute: deadLetterTargetArn');
  if (raw === undefined)
    throw invalidPolicy('Redrive policy does not contain mandatory attribute: maxReceiveCount');
  const count = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (
    typeof count !== 'number' ||
    !Number.isInteger(count) ||
    count < SQS_LIMITS.minMaxReceiveCount ||
    count > SQS_LIMITS.maxMaxReceiveCount
  ) {
    throw invalidPolicy('Invalid value for maxReceiveCount: must be an integer from 1 to 1000');
  }
  const target = parseQueueArn(arn);
  if (!target) throw invalidPolicy('Invalid value for deadLetterTargetArn');
  if (target.projectId !== projectId)
    throw invalidPolicy('Dead-letter target owner must be the same as the source');
  if (target.name === queueName) throw invalidPolicy('A queue cannot be its own dead-letter queue');
  return { queueName: target.name, maxReservations: count };
}

/** The engine's dead-letter setting as a RedrivePolicy value. */
export function policyOfDeadLetter(deadLetter: DeadLetter, region: string, projectId: string): string {
  return JSON.stringify({
    deadLetterTargetArn: queueArn(region, projectId, deadLetter.queueName),
    maxReceiveCount: deadLetter.maxReservations,
  });
}
