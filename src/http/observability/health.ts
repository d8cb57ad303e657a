import { Router } from 'express';
import type { EngineDeps } from '../../engine/deps';
import { nodeInfo, readinessProblem } from '../../engine/server-status';
import { sendJson } from '../respond';
import { getRoute } from '../routes';

/** What /healthz and the start-up log say while FERRITE_AUTH=open. */
export const OPEN_AUTH_WARNING =
  'FERRITE_AUTH=open: any project id and any token are accepted. For tests and CI only, never for real data.';

/** Seconds a load balancer should wait before asking again, as on every other 503. */
const RETRY_AFTER = '1';

/**
 * `/healthz`: the process is alive and serving HTTP (no store access, never anything but 200). Both name the node
 * that answered, the node running maintenance and the backend (a load balancer spreads requests over nodes).
 * `/readyz`: the store takes writes now; 503 `{"msg": …}` when it does not (closed, read-only, disk full, I/O
 * error, locked past the busy timeout) or when the server is shutting down. Both unauthenticated and cheap.
 */
export function healthRoutes(engine: EngineDeps, options: { openAuth?: boolean } = {}): Router {
  const router = Router();
  // Open auth says so on every probe of liveness: a server that lets anyone in must not look like one that doesn't.
  const openAuth = options.openAuth ? { auth: 'open', warning: OPEN_AUTH_WARNING } : {};
  getRoute(router, '/healthz', (_req, res) =>
    sendJson(res, 200, { status: 'ok', ...nodeInfo(engine), ...openAuth }),
  );
  getRoute(router, '/readyz', async (_req, res) => {
    const problem = await readinessProblem(engine);
    if (problem === null) {
      sendJson(res, 200, { status: 'ok', ...nodeInfo(engine) });
      return;
    }
    res.setHeader('Retry-After', RETRY_AFTER);
    sendJson(res, 503, { msg: `Not ready: ${problem}` });
  });
  return router;
}
