import express, { Router, type RequestHandler } from 'express';
import type { EngineDeps } from '../../engine/deps';
import { MethodNotAllowed, RouteNotFound } from '../../domain/errors';
import { mount, resource } from '../routes';
import type { Logger } from '../../log';
import { login, requireCrimsonqAuth } from './auth';
import { COMMANDS, commandList, type CommandName } from '../../domain/crimsonq-wire';
import { pathOf } from './commands';
import { consumerHandlers } from './consumers';
import { errorHandler } from '../error-handler';
import { renderCrimsonqError } from './errors';
import { messageHandlers } from './messages';
import { sendCqJson } from './respond';
import type { CrimsonqOptions } from './settings';
import { subscribe } from './subscribe';
import { INFO } from './wire';

/** Remembers which command a request is, for the error mapping (`msg.complete` answers 002 where others say 006). */
const command =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.crimsonqCommand = name;
    next();
  };

/**
 * The CrimsonQ-compatible API (spec crimsonq §6.2): `POST /login` and every command of CrimsonQ's table under
 * `/api`, in one project of the engine. Mounted before the app's own body reading: POST bodies are read here,
 * and every failure is answered in CrimsonQ's text shape by this router's error handler.
 */
export function crimsonqRoutes(
  deps: EngineDeps,
  options: CrimsonqOptions,
  log: Logger,
  maxRequestBytes: number,
): Router {
  const router = Router();
  const rawBody = express.raw({ type: () => true, limit: maxRequestBytes });

  const handlers: Record<CommandName, RequestHandler> = {
    ...consumerHandlers(deps),
    ...messageHandlers(deps),
    ping: (req, res) => sendCqJson(res, `Pong! ${String(req.params.messageString)}`),
    command: (_req, res) => sendCqJson(res, commandList()),
    info: (_req, res) => sendCqJson(res, INFO),
    // RESP-only commands, as in CrimsonQ: 405 `007:method_not_allowed_on_http`.
    quit: () => {
      throw new MethodNotAllowed([]);
    },
    auth: () => {
      throw new MethodNotAllowed([]);
    },
    subscribe: subscribe(deps, options.subscriptions, log),
  };

  // Every body is read first (within the size limit), as on the IronMQ routes: an answer sent while a client is
  // still sending would make Node close the connection under it, and the client would never see the answer.
  router.use(['/login', '/api'], rawBody);
  resource(router, '/login', { POST: [login(deps, options)] }, [command('login')]);

  const api = Router();
  api.use(requireCrimsonqAuth(deps, options));
  for (const each of COMMANDS) {
    resource(api, pathOf(each), { [each.method]: [handlers[each.name]] }, [command(each.name)]);
  }
  api.use(() => {
    throw new RouteNotFound();
  });
  mount(router, '/api', api);
  router.use(errorHandler(log, renderCrimsonqError));
  return router;
}
