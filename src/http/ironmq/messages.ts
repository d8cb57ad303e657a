import { Router, type RequestHandler } from 'express';
import type { EngineDeps } from '../../engine/deps';
import * as messages from '../../engine/messages';
import { acknowledgePush } from '../../engine/push-messages';
import type { MessageRef } from '../../domain/types';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { messageToWire } from '../serialize';
import { rules } from '../validation/rules';
import { MSG } from '../wire';
import { bodyOf, messageIdOf, projectOf, queueOf } from './params';

interface PostBody {
  messages: { body: string; delay?: number | null; push_headers?: Record<string, string> | null }[];
}

interface BatchDeleteBody {
  ids: (string | { id: string | number; reservation_id?: string | null })[] | null;
}

/** An empty reservation_id means "none": the Go client sends `"reservation_id":""` for unreserved messages. */
function reservationOf(value: string | null | undefined): string | null {
  return value ? value : null;
}

/** Message routes under /3/projects/:projectId/queues/:queue/messages. */
export function messageRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });

  const postMessages: RequestHandler = async (req, res) => {
    const body = bodyOf<PostBody>(req);
    const ids = await messages.postMessages(
      deps,
      projectOf(req),
      queueOf(req),
      (body.messages ?? []).map((m) => ({
        body: m.body,
        delay: m.delay ?? 0,
        pushHeaders: m.push_headers ?? null,
      })),
    );
    sendJson(res, 201, { ids, msg: MSG.messagesPosted });
  };

  const peekMessages: RequestHandler = async (req, res) => {
    const n = (req.query as { n?: number }).n || 1;
    const found = await messages.peekMessages(deps, projectOf(req), queueOf(req), n);
    sendJson(res, 200, { messages: found.map(messageToWire) });
  };

  /** With `ids`: delete those (all or none). Without: clear the queue. */
  const deleteMessages: RequestHandler = async (req, res) => {
    const { ids } = bodyOf<BatchDeleteBody>(req);
    if (ids === undefined || ids === null) {
      await messages.clearMessages(deps, projectOf(req), queueOf(req));
      sendJson(res, 200, { msg: MSG.cleared });
      return;
    }
    const refs: MessageRef[] = ids.map((item) =>
      typeof item === 'string'
        ? { id: item, reservationId: null }
        : { id: String(item.id), reservationId: reservationOf(item.reservation_id) },
    );
    await messages.deleteMessages(deps, projectOf(req), queueOf(req), refs);
    sendJson(res, 200, { msg: MSG.deleted });
  };

  const getMessage: RequestHandler = async (req, res) => {
    const message = await messages.getMessage(deps, projectOf(req), queueOf(req), messageIdOf(req));
    sendJson(res, 200, { message: messageToWire(message) });
  };

  const deleteMessage: RequestHandler = async (req, res) => {
    const body = bodyOf<{ reservation_id: string | null; subscriber_name: string | null }>(req);
    if (body.subscriber_name) {
      // A push subscriber acknowledging the 202 it answered.
      await acknowledgePush(
        deps,
        projectOf(req),
        queueOf(req),
        messageIdOf(req),
        body.subscriber_name,
        body.reservation_id ?? '',
      );
      sendJson(res, 200, { msg: MSG.deleted });
      return;
    }
    await messages.deleteMessages(deps, projectOf(req), queueOf(req), [
      { id: messageIdOf(req), reservationId: reservationOf(body.reservation_id) },
    ]);
    sendJson(res, 200, { msg: MSG.deleted });
  };

  resource(router, '/:queue/messages', {
    POST: [rules.postMessages, postMessages],
    GET: [rules.peek, peekMessages],
    DELETE: [rules.deleteMessages, deleteMessages],
  });
  resource(router, '/:queue/messages/:messageId', {
    GET: [getMessage],
    DELETE: [rules.deleteMessage, deleteMessage],
  });
  return router;
}
