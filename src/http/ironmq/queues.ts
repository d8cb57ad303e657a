import { Router, type RequestHandler } from 'express';
import type { EngineDeps } from '../../engine/deps';
import * as queues from '../../engine/queues';
import type { QueueSettingsInput } from '../../domain/queue-settings';
import type { QueueType } from '../../domain/types';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { queueToWire } from '../serialize';
import { rules } from '../validation/rules';
import { MSG } from '../wire';
import { bodyOf, projectOf, queueOf } from './params';
import { alertInputOf, pushInputOf, type WireAlert, type WirePushInput } from './wire-input';

interface QueueBody {
  queue: {
    message_timeout?: number;
    message_expiration?: number;
    type?: QueueType | '';
    dead_letter?: { queue_name?: string | null; max_reservations?: number | null } | null;
    push?: WirePushInput | null;
    alerts?: WireAlert[] | null;
    topics?: string[] | null;
    max_in_flight?: number | null;
    on_timeout?: 'requeue' | 'overdue' | null;
    overdue_timeout?: number | null;
    retain_completed?: boolean | null;
    idle_expiry?: number | null;
  } | null;
}

function settingsOf(body: Partial<QueueBody>): QueueSettingsInput {
  const queue = body.queue ?? {};
  const dl = queue.dead_letter;
  return {
    type: queue.type || undefined,
    messageTimeout: queue.message_timeout ?? undefined,
    messageExpiration: queue.message_expiration ?? undefined,
    deadLetter:
      dl === undefined
        ? undefined
        : dl === null
          ? null
          : { queueName: dl.queue_name ?? '', maxReservations: dl.max_reservations ?? undefined },
    push: queue.push ? pushInputOf(queue.push) : undefined,
    alerts: queue.alerts ? queue.alerts.map(alertInputOf) : undefined,
    topics: queue.topics ?? undefined,
    maxInFlight: queue.max_in_flight ?? undefined,
    onTimeout: queue.on_timeout ?? undefined,
    overdueTimeout: queue.overdue_timeout ?? undefined,
    retainCompleted: queue.retain_completed ?? undefined,
    idleExpiry: queue.idle_expiry ?? undefined,
  };
}

/** Queue routes under /3/projects/:projectId/queues. */
export function queueRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });

  const listQueues: RequestHandler = async (req, res) => {
    const query = req.query as { per_page?: number; previous?: string; prefix?: string; detail?: boolean };
    const list = await queues.listQueues(deps, projectOf(req), {
      perPage: query.per_page,
      previous: query.previous,
      prefix: query.prefix,
    });
    // IronMQ lists names only, and clients rely on it (the Java client's suite asserts no id or project_id).
    // `detail=true` (a Ferrite extension, for dashboards) gives each entry as GET queue does.
    sendJson(res, 200, {
      queues: query.detail === true ? list.map(queueToWire) : list.map((queue) => ({ name: queue.name })),
    });
  };

  /** PUT (the clients) and POST (the draft: 201 when created) both create or update. */
  const putQueue: RequestHandler = async (req, res) => {
    const { queue, created } = await queues.putQueue(
      deps,
      projectOf(req),
      queueOf(req),
      settingsOf(bodyOf(req)),
    );
    sendJson(res, req.method === 'POST' && created ? 201 : 200, { queue: queueToWire(queue) });
  };

  const updateQueue: RequestHandler = async (req, res) => {
    const queue = await queues.updateQueue(deps, projectOf(req), queueOf(req), settingsOf(bodyOf(req)));
    sendJson(res, 200, { queue: queueToWire(queue) });
  };

  const getQueue: RequestHandler = async (req, res) => {
    const queue = await queues.queueInfo(deps, projectOf(req), queueOf(req));
    sendJson(res, 200, { queue: queueToWire(queue) });
  };

  const deleteQueue: RequestHandler = async (req, res) => {
    await queues.deleteQueue(deps, projectOf(req), queueOf(req));
    sendJson(res, 200, { msg: MSG.deleted });
  };

  resource(router, '/', { GET: [rules.listQueues, listQueues] });
  resource(router, '/:queue', {
    GET: [getQueue],
    PUT: [rules.putQueue, putQueue],
    POST: [rules.putQueue, putQueue],
    PATCH: [rules.putQueue, updateQueue],
    DELETE: [deleteQueue],
  });
  return router;
}
