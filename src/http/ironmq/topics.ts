import { Router, type RequestHandler } from 'express';
import * as consumers from '../../engine/consumers';
import type { EngineDeps } from '../../engine/deps';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { rules } from '../validation/rules';
import { bodyOf, projectOf } from './params';

interface PublishBody {
  topic: string;
  messages: { body: string; delay?: number | null; push_headers?: Record<string, string> | null }[];
}

/**
 * POST /3/projects/{p}/topics/messages (extension): publishes to every queue of the project whose topic filters
 * match, one copy per queue, in one transaction. 201 with the ids per queue (`{}` when nothing matched).
 */
export function topicRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });
  const publish: RequestHandler = async (req, res) => {
    const body = bodyOf<PublishBody>(req);
    const ids = await consumers.publish(
      deps,
      projectOf(req),
      body.topic ?? '',
      (body.messages ?? []).map((m) => ({
        body: m.body,
        delay: m.delay ?? 0,
        pushHeaders: m.push_headers ?? null,
      })),
    );
    sendJson(res, 201, { ids, msg: 'Messages put on queues.' });
  };
  resource(router, '/messages', { POST: [rules.publish, publish] });
  return router;
}
