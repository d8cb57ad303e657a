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
};

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The openapi tags these suites cover: the IronMQ API, whose errors are JSON `{"msg": …}`, and the service
 * routes. CrimsonQ joins by adding its tag here once its error shape (text/plain) and its login are taught to
 * hostile-requests.ts and isolation.test.ts.
 */
export const COVERED_TAGS: ReadonlySet<string> = new Set([
  'queues',
  'messages',
  'reservations',
  'push',
  'alerts',
  'health',
  'observability',
]);

export const OPERATIONS: readonly Operation[] = listOperations()
  .filter((entry) => METHODS.has(entry.method.toUpperCase()))
  .map((entry) => ({ entry, tag: (entry.operation as { tags?: string[] }).tags?.[0] ?? 'untagged' }))
  .filter(({ tag }) => COVERED_TAGS.has(tag))
  .map(({ entry, tag }) => {
    const id = entry.operation.operationId ?? `${entry.method} ${entry.template}`;
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
      default:
        return 'x';
    }
  });
}
