import { Router, type RequestHandler } from 'express';
import type { EngineDeps } from '../../engine/deps';
import { deadLetterSources, redrive } from '../../engine/redrive';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { rules } from '../validation/rules';
import { movedMessages } from '../wire';
import { bodyOf, projectOf, queueOf } from './params';

interface RedriveBody {
  n: number | null;
  to: string | null;
}

/**
 * Dead-letter redrive (a Ferrite extension): POST moves messages of a dead-letter queue back to the queue each
 * came from (or to `to`), oldest first, all or the first `n`; GET says where they would go.
 */
export function redriveRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });

  const redriveMessages: RequestHandler = async (req, res) => {
    const body = bodyOf<RedriveBody>(req);
    const result = await redrive(deps, projectOf(req), queueOf(req), {
      n: body.n || null,
      to: body.to || null,
    });
    sendJson(res, 200, {
      msg: movedMessages(result.moved),
      moved: result.moved,
      queues: result.queues,
      skipped: result.skipped,
      left: result.left,
    });
  };

  const getRedrive: RequestHandler = async (req, res) => {
    const sources = await deadLetterSources(deps, projectOf(req), queueOf(req));
    sendJson(res, 200, {
      redrive: {
        sources: sources.configured,
        messages: sources.origins.map((origin) => ({ from: origin.queue, count: origin.count })),
      },
    });
  };

  resource(router, '/:queue/redrive', {
    GET: [getRedrive],
    POST: [rules.redrive, redriveMessages],
  });
  return router;
}
