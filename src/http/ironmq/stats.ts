import { Router, type RequestHandler } from 'express';
import { PERIODS, type Period } from '../../domain/stats';
import { projectActivity, queueActivity } from '../../engine/activity';
import type { EngineDeps } from '../../engine/deps';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { activityToWire } from '../serialize';
import { rules } from '../validation/rules';
import { projectOf, queueOf } from './params';

/** `?period=hour|day`: one series; absent, both. */
function periodsOf(query: unknown): Period[] {
  const period = (query as { period?: Period }).period;
  return period ? [period] : PERIODS;
}

/**
 * Stats over time (a Ferrite extension): per queue under /queues/{q}/stats, and for the whole project at
 * /stats — messages posted, reserved, deleted, expired and dead-lettered, and the size, in one-minute buckets
 * for the last hour and ten-minute buckets for the last day.
 */
export function queueStatsRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });
  const getQueueStats: RequestHandler = async (req, res) => {
    const series = await queueActivity(deps, projectOf(req), queueOf(req), periodsOf(req.query));
    sendJson(res, 200, { stats: { queue: queueOf(req), ...activityToWire(series) } });
  };
  resource(router, '/:queue/stats', { GET: [rules.stats, getQueueStats] });
  return router;
}

export function projectStatsRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });
  const getProjectStats: RequestHandler = async (req, res) => {
    const series = await projectActivity(deps, projectOf(req), periodsOf(req.query));
    sendJson(res, 200, { stats: { project_id: projectOf(req), ...activityToWire(series) } });
  };
  resource(router, '/', { GET: [rules.stats, getProjectStats] });
  return router;
}
