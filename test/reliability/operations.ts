import { listOperations } from '../helpers/openapi';

/**
 * Every operation of the HTTP API, read from openapi.yaml, so that a route added to the spec (push queues,
 * subscribers, the CrimsonQ API …) is fuzzed and isolation-checked without touching these suites. `VALID_BODIES`
 * adds, per operationId, a body the route accepts, so that generated requests get past validation and reach the
 * engine; an operation without one is sent `{}` and mutations of it.
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a request needs to name real objects: a queue, one of its messages and that message's reservation. */
export interface OperationContext {
  projectId: string;
  queue: string;
  messageId: string;
  reservationId: string;
}

export interface Operation {
  id: string;
  /** The first openapi tag: queues, messages, reservations, push, alerts, health, observability, crimsonq … */
  tag: string;
  method: Method;
  /** The openapi path template, e.g. /3/projects/{project_id}/queues/{queue_name}/messages */
  template: string;
  /** Whether the route is scoped to a project and needs its token (everything but /healthz today). */
  projectScoped: boolean;
  /** A body this route accepts for `ctx`. */
  validBody: (ctx: OperationContext) => Record<string, unknown>;
}

const VALID_BODIES: Record<string, (ctx: OperationContext) => Record<string, unknown>> = {
  putQueue: () => ({ queue: { message_timeout: 30, message_expiration: 3600 } }),
  postQueue: () => ({ queue: { message_timeout: 30 } }),
  updateQueue: () => ({
    queue: { message_timeout: 40, dead_letter: { queue_name: 'dlq', max_reservations: 3 } },
  }),
  postMessages: () => ({
    messages: [
      { body: 'fuzz', delay: 0 },
      { body: 'fuzz 2', push_headers: { 'X-A': 'b' } },
    ],
  }),
  deleteMessages: (ctx) => ({ ids: [{ id: ctx.messageId, reservation_id: ctx.reservationId }] }),
  deleteMessage: (ctx) => ({ reservation_id: ctx.reservationId }),
  reserveMessages: () => ({ n: 2, timeout: 30, wait: 0 }),
  touchMessage: (ctx) => ({ reservation_id: ctx.reservationId, timeout: 30 }),
  touchMessageWithDelete: (ctx) => ({ reservation_id: ctx.reservationId }),
  releaseMessage: (ctx) => ({ reservation_id: ctx.reservationId, delay: 0 }),
  releaseMessageWithDelete: (ctx) => ({ reservation_id: ctx.reservationId }),
  // CrimsonQ: the context's queue is a consumer (a pull queue of the CrimsonQ project, the first one).
  crimsonqLogin: () => ({ Username: 'crimsonQ', Password: 'crimsonQ!' }),
  crimsonqCreateConsumer: () => ({ consumerId: 'fuzz-consumer', topics: 'fuzz/#', concurrency: 2 }),
  crimsonqDestroyConsumer: (ctx) => ({ consumerId: ctx.queue }),
  crimsonqFlushCompleted: (ctx) => ({ consumerId: ctx.queue }),
  crimsonqFlushFailed: (ctx) => ({ consumerId: ctx.queue }),
  crimsonqSetTopics: (ctx) => ({ consumerId: ctx.queue, topics: 'fuzz/+, other/#' }),
  crimsonqSetConcurrency: (ctx) => ({ consumerId: ctx.queue, concurrency: 3 }),
  crimsonqPushConsumer: (ctx) => ({ consumerId: ctx.queue, messageString: 'fuzz' }),
  crimsonqPushTopic: () => ({ topicString: 'fuzz/a', messageString: 'fuzz' }),
  crimsonqDeleteMessage: (ctx) => ({ consumerId: ctx.queue, status: 'active', messageId: ctx.messageId }),
  crimsonqFailMessage: (ctx) => ({ consumerId: ctx.queue, messageId: ctx.messageId, errMsg: 'fuzz' }),
  crimsonqCompleteMessage: (ctx) => ({ consumerId: ctx.queue, messageId: ctx.messageId }),
  crimsonqRetryMessage: (ctx) => ({ consumerId: ctx.queue, messageId: ctx.messageId }),
  crimsonqRetryAll: (ctx) => ({ consumerId: ctx.queue }),
  // SQS (JSON protocol; hostile-requests.ts picks the action and the SQS credentials): one body that several
  // actions accept.
  ...Object.fromEntries(
    ['sqsAction', 'sqsActionUnderPath', 'sqsQueueUrlAction'].map((id) => [
      id,
      (ctx: OperationContext) => ({
        QueueUrl: `http://127.0.0.1/${ctx.projectId}/${encodeURIComponent(ctx.queue)}`,
        MessageBody: 'fuzz',
        MaxNumberOfMessages: 2,
        Entries: [{ Id: 'a', MessageBody: 'fuzz' }],
        AttributeNames: ['All'],
      }),
    ]),
  ),
};

/**
 * Operations whose answer never ends (a Server-Sent Events stream): the request-per-connection fuzzer would
 * only see its own timeout. test/crimsonq/subscribe.test.ts covers them.
 */
const STREAMING = new Set<string>(['crimsonqSubscribe']);

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The openapi tags these suites cover: the IronMQ API, whose errors are JSON `{"msg": …}`, the service routes,
 * and the CrimsonQ API (`/login`, `/api/*`), whose errors are text (hostile-requests.ts tells them apart by
 * path; crimsonq-isolation.test.ts checks its isolation, as its routes name no project).
 */
export const COVERED_TAGS: ReadonlySet<string> = new Set([
  'queues',
  'messages',
  'reservations',
  'push',
  'alerts',
  'health',
  'observability',
  'crimsonq',
  'sqs',
]);

export const OPERATIONS: readonly Operation[] = listOperations()
  .filter((entry) => METHODS.has(entry.method.toUpperCase()))
  .map((entry) => ({ entry, tag: (entry.operation as { tags?: string[] }).tags?.[0] ?? 'untagged' }))
  .filter(({ tag }) => COVERED_TAGS.has(tag))
  .map(({ entry, tag }) => ({
    entry,
    tag,
    id: entry.operation.operationId ?? `${entry.method} ${entry.template}`,
  }))
  .filter(({ id }) => !STREAMING.has(id))
  .map(({ entry, tag, id }) => {
    return {
      id,
      tag,
      method: entry.method.toUpperCase() as Method,
      template: entry.template,
      projectScoped: entry.template.includes('{project_id}'),
      validBody: VALID_BODIES[id] ?? (() => ({})),
    };
  });

/** The path of `operation` for `ctx`; parameters the context does not know are filled with `x`. */
export function pathOf(
  operation: Operation,
  ctx: OperationContext,
  encode: (value: string) => string = encodeURIComponent,
): string {
  return operation.template.replace(/\{([^}]+)\}/g, (_all, name: string) => {
    switch (name) {
      case 'project_id':
        return encode(ctx.projectId);
      case 'queue_name':
        return encode(ctx.queue);
      case 'message_id':
        return encode(ctx.messageId);
      case 'consumerId':
        return encode(ctx.queue);
      case 'status':
        return 'active';
      default:
        return 'x';
    }
  });
}
