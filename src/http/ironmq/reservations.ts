import { Router, type RequestHandler } from 'express';
import { LIMITS } from '../../domain/limits';
import type { EngineDeps } from '../../engine/deps';
import * as reservations from '../../engine/reservations';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { messageToWire, reservedMessageToWire } from '../serialize';
import { rules } from '../validation/rules';
import { MSG } from '../wire';
import { bodyOf, messageIdOf, projectOf, queueOf } from './params';

interface ReserveBody {
  n: number | null;
  timeout: number | null;
  wait: number | null;
  delete: boolean | null;
}

/** Reservation routes: reserve, touch and release. */
export function reservationRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });

  const reserveMessages: RequestHandler = async (req, res) => {
    const body = bodyOf<ReserveBody>(req);
    // A long poll stops parking as soon as its client hangs up.
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const found = await reservations.reserveMessages(deps, projectOf(req), queueOf(req), {
      n: body.n || 1,
      timeoutSeconds: body.timeout || null,
      waitSeconds: body.wait ?? 0,
      deleteOnReserve: body.delete === true,
      signal: abort.signal,
    });
    sendJson(res, 200, { messages: found.map(messageToWire) });
  };

  const touchMessage: RequestHandler = async (req, res) => {
    const body = bodyOf<{ reservation_id: string; timeout: number | null }>(req);
    const message = await reservations.touchMessage(deps, projectOf(req), queueOf(req), messageIdOf(req), {
      reservationId: body.reservation_id ?? '',
      timeoutSeconds: body.timeout || null,
    });
    sendJson(res, 200, { msg: MSG.touched, reservation_id: message.reservationId });
  };

  const releaseMessage: RequestHandler = async (req, res) => {
    const body = bodyOf<{ reservation_id: string; delay: number | null }>(req);
    await reservations.releaseMessage(deps, projectOf(req), queueOf(req), messageIdOf(req), {
      reservationId: body.reservation_id ?? '',
      delaySeconds: body.delay ?? 0,
    });
    sendJson(res, 200, { msg: MSG.released });
  };

  /** A Ferrite extension: the messages held now, for the dashboard (IronMQ's HUD had the same view). */
  const listReserved: RequestHandler = async (req, res) => {
    const n = (req.query as { n?: number }).n || LIMITS.maxPeek;
    const held = await reservations.listReserved(deps, projectOf(req), queueOf(req), n);
    sendJson(res, 200, { messages: held.map(reservedMessageToWire) });
  };

  resource(router, '/:queue/reservations', {
    GET: [rules.listReserved, listReserved],
    POST: [rules.reserve, reserveMessages],
  });
  // The clients POST touch and release; the 2014 draft writes them as DELETE. Both are served.
  resource(router, '/:queue/messages/:messageId/touch', {
    POST: [rules.touch, touchMessage],
    DELETE: [rules.touch, touchMessage],
  });
  resource(router, '/:queue/messages/:messageId/release', {
    POST: [rules.release, releaseMessage],
    DELETE: [rules.release, releaseMessage],
  });
  return router;
}
