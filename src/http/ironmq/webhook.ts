import { Router, type RequestHandler } from 'express';
import type { EngineDeps } from '../../engine/deps';
import { InvalidInput } from '../../domain/errors';
import * as pushMessages from '../../engine/push-messages';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { MSG } from '../wire';
import { projectOf, queueOf } from './params';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * POST /queues/{q}/webhook: any service's callback becomes a message. Mounted before the JSON body parser: the
 * raw body is the message, whatever its Content-Type (the Ruby test sends a form body and only `?oauth=`).
 */
export function webhookRoutes(deps: EngineDeps, auth: RequestHandler): Router {
  const router = Router({ mergeParams: true });
  const postWebhook: RequestHandler = async (req, res) => {
    const raw: unknown = req.body;
    let body: string;
    try {
      body = Buffer.isBuffer(raw) ? utf8.decode(raw) : '';
    } catch {
      throw new InvalidInput(MSG.invalidUtf8);
    }
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
      pairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const ids = await pushMessages.postWebhook(deps, projectOf(req), queueOf(req), body, pairs);
    sendJson(res, 201, { ids, msg: MSG.messagesPosted });
  };
  resource(router, '/:queue/webhook', { POST: [auth, postWebhook] });
  return router;
}
