import express, { Router, type RequestHandler } from 'express';
import { SqsRefused } from '../../domain/errors';
import type { EngineDeps } from '../../engine/deps';
import type { Logger } from '../../log';
import { errorHandler } from '../error-handler';
import { postRoute } from '../routes';
import { authenticate, type SqsAuthOptions } from './auth';
import type { SqsAction, SqsContext } from './context';
import { renderSqsError } from './errors';
import { SqsInput } from './input';
import * as message from './message-actions';
import { queryToJson } from './query';
import * as queue from './queue-actions';
import { protocolOf, sendSqsResult, type SqsProtocol } from './render';
import { SQS_TARGET_PREFIX } from './wire';

/** Every SQS action Ferrite serves (README "SQS API"), by the name both protocols give it. */
export const SQS_ACTIONS: Readonly<Record<string, SqsAction>> = {
  CreateQueue: queue.createQueue,
  GetQueueUrl: queue.getQueueUrl,
  ListQueues: queue.listQueues,
  GetQueueAttributes: queue.getQueueAttributes,
  SetQueueAttributes: queue.setQueueAttributes,
  DeleteQueue: queue.deleteQueueAction,
  PurgeQueue: queue.purgeQueue,
  TagQueue: queue.tagQueue,
  UntagQueue: queue.untagQueue,
  ListQueueTags: queue.listQueueTags,
  ListDeadLetterSourceQueues: queue.listDeadLetterSourceQueues,
  AddPermission: queue.addPermission,
  RemovePermission: queue.removePermission,
  SendMessage: message.sendMessage,
  SendMessageBatch: message.sendMessageBatch,
  ReceiveMessage: message.receiveMessage,
  DeleteMessage: message.deleteMessage,
  DeleteMessageBatch: message.deleteMessageBatch,
  ChangeMessageVisibility: message.changeMessageVisibility,
  ChangeMessageVisibilityBatch: message.changeMessageVisibilityBatch,
};

export interface SqsOptions extends SqsAuthOptions {
  /** Region of queue ARNs (FERRITE_SQS_REGION). */
  region: string;
  /** Base of queue URLs; null: the scheme and Host of each request. */
  publicUrl: string | null;
}

interface ParsedRequest {
  protocol: SqsProtocol;
  action: string;
  params: Record<string, unknown>;
  /** The form's AWSAccessKeyId (signature version 2 clients), for IronMQ's scheme. */
  formAccessKeyId: string | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new SqsRefused('invalid_parameter_value', 'The request body is not valid UTF-8.');
  }
}

/** The action and its parameters, from X-Amz-Target and a JSON body, or from the form's `Action=…`. */
function parseRequest(req: express.Request, body: Buffer): ParsedRequest {
  const protocol = protocolOf(req);
  if (protocol === 'json') {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || target === '') {
      throw new SqsRefused('missing_action', 'The request must contain the header X-Amz-Target.');
    }
    const text = textOf(body);
    let params: unknown = {};
    if (text.trim() !== '') {
      try {
        params = JSON.parse(text);
      } catch {
        throw new SqsRefused('invalid_parameter_value', 'The request body is not valid JSON.');
      }
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new SqsRefused('invalid_parameter_value', 'The request body must be a JSON object.');
    }
    const action = target.startsWith(SQS_TARGET_PREFIX) ? target.slice(SQS_TARGET_PREFIX.length) : '';
    return { protocol, action, params: params as Record<string, unknown>, formAccessKeyId: undefined };
  }
  const pairs: [string, string][] = [];
  const query = req.originalUrl.indexOf('?');
  if (query >= 0) pairs.push(...new URLSearchParams(req.originalUrl.slice(query + 1)));
  pairs.push(...new URLSearchParams(textOf(body)));
  const action = pairs.find(([key]) => key === 'Action')?.[1];
  if (action === undefined || action === '') {
    throw new SqsRefused('missing_action', 'The request must contain the parameter Action.');
  }
  const params = queryToJson(pairs, action === 'CreateQueue' ? 'tags' : 'Tags');
  return { protocol, action, params, formAccessKeyId: pairs.find(([key]) => key === 'AWSAccessKeyId')?.[1] };
}

/** The request's own origin: where its client reached the server. */
function originOf(req: express.Request): string {
  const host = req.headers.host ?? 'localhost';
  return `${req.protocol}://${host}`;
}

function handle(deps: EngineDeps, options: SqsOptions): RequestHandler {
  return async (req, res) => {
    // SigV4 clients correct their clock skew from the Date of answers: it is the server's clock.
    res.setHeader('Date', new Date(deps.clock.now()).toUTCString());
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseRequest(req, body);
    const run = Object.hasOwn(SQS_ACTIONS, parsed.action) ? SQS_ACTIONS[parsed.action] : undefined;
    const projectId = await authenticate(deps, options, req, body, parsed.formAccessKeyId);
    if (!run) {
      throw new SqsRefused(
        'invalid_action',
        `The action ${parsed.action.slice(0, 64)} is not valid for this endpoint.`,
      );
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const queuePath = res.locals.sqsQueuePath as string | undefined;
    const ctx: SqsContext = {
      deps,
      projectId,
      region: options.region,
      baseUrl: options.publicUrl ?? originOf(req),
      pathQueueUrl: queuePath ?? null,
      signal: abort.signal,
    };
    const result = await run(ctx, new SqsInput(parsed.params));
    sendSqsResult(res, parsed.protocol, parsed.action, result);
  };
}

/** Posts to a queue URL (`/{project_id}/{queue_name}`) go to that queue; other two-segment paths are not ours. */
const queueUrlPath: RequestHandler = (req, res, next) => {
  if (!/^[0-9a-f]{24}$/.test(String(req.params.projectId))) {
    next('route');
    return;
  }
  res.locals.sqsQueuePath = req.path;
  next();
};

/**
 * The SQS API (README "SQS API"): both wire protocols on `POST /`, `POST /sqs` and `POST` to a queue URL, read
 * with the request size limit, authenticated, dispatched through one action table, and answered (errors too)
 * in the request's protocol. Other methods and paths fall through to the rest of the app.
 */
export function sqsRoutes(
  deps: EngineDeps,
  options: SqsOptions,
  log: Logger,
  maxRequestBytes: number,
): Router {
  const router = Router();
  const rawBody = express.raw({ type: () => true, limit: maxRequestBytes });
  const action = handle(deps, options);
  // On each route, not on the router: a router-wide error handler would also answer (in SQS's shape) for
  // requests that only pass through this router on their way to the other APIs.
  const errors = errorHandler(log, renderSqsError);
  postRoute(router, '/', rawBody, action, errors);
  postRoute(router, '/sqs', rawBody, action, errors);
  postRoute(router, '/:projectId/:queue', queueUrlPath, rawBody, action, errors);
  return router;
}
