import { Router } from 'express';
import type { EngineDeps } from '../../engine/deps';
import { sendJson } from '../respond';

/**
 * A token id that can never exist (token ids are 12 hex characters). Revoking it is the store's cheapest write
 * that changes nothing: BEGIN IMMEDIATE (the write lock), an UPDATE of no row and a COMMIT, through the same
 * group commit as every request's write. The Store interface has no dedicated probe.
 */
const PROBE_TOKEN_ID = 'readiness-probe';

/** Seconds a load balancer should wait before asking again, as on every other 503. */
const RETRY_AFTER = '1';

/**
 * `/healthz`: the process is alive and serving HTTP (no store access, never anything but 200).
 * `/readyz`: the store takes writes now; 503 `{"msg": …}` when it does not (closed, read-only, disk full, I/O
 * error, locked past the busy timeout) or when the server is shutting down. Both unauthenticated and cheap.
 */
export function healthRoutes(engine: EngineDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const problem = await readinessProblem(engine);
    if (problem === null) {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    res.setHeader('Retry-After', RETRY_AFTER);
    sendJson(res, 503, { msg: `Not ready: ${problem}` });
  });
  return router;
}

async function readinessProblem(engine: EngineDeps): Promise<string | null> {
  if (engine.waiters.isClosed) return 'the server is shutting down';
  try {
    await engine.store.revokeToken(PROBE_TOKEN_ID, engine.clock.now());
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
