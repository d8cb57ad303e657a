import { SqsRefused } from '../../domain/errors';
import { queueArn } from '../../domain/sqs-arn';
import { SQS_LIMITS } from '../../domain/sqs-limits';
import {
  addPermission as addPermission_,
  removePermission as removePermission_,
} from '../../domain/sqs-policy';
import { queueAttributes, selectAttributes } from '../../domain/sqs-queue-attributes';
import { clearMessages } from '../../engine/messages';
import { deleteQueue } from '../../engine/queues';
import * as queues from '../../engine/sqs-queues';
import { afterToken, nextToken, queueOf, queueUrl, type SqsAction } from './context';

/** The SQS queue actions. Each returns its result in the JSON protocol's shape (render.ts makes the XML). */

export const createQueue: SqsAction = async (ctx, input) => {
  const name = input.requiredString('QueueName');
  const queue = await queues.createSqsQueue(
    ctx.deps,
    ctx.projectId,
    name,
    input.stringMap('Attributes'),
    input.stringMap('tags'),
  );
  return { QueueUrl: queueUrl(ctx, queue.name) };
};

export const getQueueUrl: SqsAction = async (ctx, input) => {
  const queue = await queues.sqsQueue(ctx.deps, ctx.projectId, input.requiredString('QueueName'));
  return { QueueUrl: queueUrl(ctx, queue.name) };
};

/** One page of names: up to `limit`, and a token when more follow (only when the client asked for a limit). */
async function page(
  limit: number | undefined,
  fetch: (limit: number) => Promise<string[]>,
): Promise<{ names: string[]; next: string | undefined }> {
  const names = await fetch((limit ?? SQS_LIMITS.maxListResults) + 1);
  const more = names.length > (limit ?? SQS_LIMITS.maxListResults);
  const shown = names.slice(0, limit ?? SQS_LIMITS.maxListResults);
  return {
    names: shown,
    next: more && limit !== undefined ? nextToken(shown[shown.length - 1]!) : undefined,
  };
}

export const listQueues: SqsAction = async (ctx, input) => {
  const prefix = input.string('QueueNamePrefix') ?? '';
  const limit = input.integer('MaxResults', 1, SQS_LIMITS.maxListResults);
  const after = afterToken(input);
  const { names, next } = await page(limit, async (n) =>
    (await queues.listSqsQueues(ctx.deps, ctx.projectId, { prefix, after, limit: n })).map((q) => q.name),
  );
  return { QueueUrls: names.map((name) => queueUrl(ctx, name)), NextToken: next };
};

export const getQueueAttributes: SqsAction = async (ctx, input) => {
  const { queue, counts } = await queues.sqsQueueState(ctx.deps, ctx.projectId, queueOf(ctx, input));
  const selected = selectAttributes(
    queueAttributes(queue, counts, ctx.region),
    input.strings('AttributeNames'),
  );
  return Object.keys(selected).length > 0 ? { Attributes: selected } : {};
};

export const setQueueAttributes: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  const attributes = input.stringMap('Attributes');
  if (!input.has('Attributes'))
    throw new SqsRefused('missing_parameter', 'The request must contain the parameter Attributes.');
  await queues.setSqsAttributes(ctx.deps, ctx.projectId, name, attributes);
  return {};
};

export const deleteQueueAction: SqsAction = async (ctx, input) => {
  await deleteQueue(ctx.deps, ctx.projectId, queueOf(ctx, input));
  return {};
};

export const purgeQueue: SqsAction = async (ctx, input) => {
  await clearMessages(ctx.deps, ctx.projectId, queueOf(ctx, input));
  return {};
};

export const tagQueue: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  if (!input.has('Tags'))
    throw new SqsRefused('missing_parameter', 'The request must contain the parameter Tags.');
  await queues.tagQueue(ctx.deps, ctx.projectId, name, input.stringMap('Tags'));
  return {};
};

export const untagQueue: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  if (!input.has('TagKeys'))
    throw new SqsRefused('missing_parameter', 'The request must contain the parameter TagKeys.');
  await queues.untagQueue(ctx.deps, ctx.projectId, name, input.strings('TagKeys'));
  return {};
};

export const listQueueTags: SqsAction = async (ctx, input) => {
  const queue = await queues.sqsQueue(ctx.deps, ctx.projectId, queueOf(ctx, input));
  return Object.keys(queue.tags).length > 0 ? { Tags: queue.tags } : {};
};

export const listDeadLetterSourceQueues: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  const limit = input.integer('MaxResults', 1, SQS_LIMITS.maxListResults);
  const after = afterToken(input);
  const { names, next } = await page(limit, (n) =>
    queues.deadLetterSources(ctx.deps, ctx.projectId, name, { after, limit: n }),
  );
  return { queueUrls: names.map((source) => queueUrl(ctx, source)), NextToken: next };
};

export const addPermission: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  const label = input.requiredString('Label');
  const accounts = input.strings('AWSAccountIds');
  const actions = input.strings('Actions');
  await queues.editPolicy(ctx.deps, ctx.projectId, name, (policy, queue) =>
    addPermission_(policy, queueArn(ctx.region, queue.projectId, queue.name), { label, accounts, actions }),
  );
  return {};
};

export const removePermission: SqsAction = async (ctx, input) => {
  const name = queueOf(ctx, input);
  const label = input.requiredString('Label');
  await queues.editPolicy(ctx.deps, ctx.projectId, name, (policy) => removePermission_(policy, label));
  return {};
};
