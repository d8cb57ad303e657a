import { Router, type RequestHandler } from 'express';
import type { EngineDeps } from '../../engine/deps';
import { InvalidInput } from '../../domain/errors';
import * as pushMessages from '../../engine/push-messages';
import * as queueAlerts from '../../engine/queue-alerts';
import * as subscribers from '../../engine/subscribers';
import { sendJson } from '../respond';
import { resource } from '../routes';
import { deliveryToWire, queueToWire } from '../serialize';
import { rules } from '../validation/rules';
import { MSG } from '../wire';
import { bodyOf, messageIdOf, projectOf, queueOf } from './params';
import { alertInputOf, subscriberInputOf, type WireAlert, type WireSubscriber } from './wire-input';

/** Push-queue routes: subscribers, alerts and push statuses. */
export function pushRoutes(deps: EngineDeps): Router {
  const router = Router({ mergeParams: true });
  const subscribersOf = (req: Parameters<RequestHandler>[0]) =>
    (bodyOf<{ subscribers: WireSubscriber[] }>(req).subscribers ?? []).map((s) => {
      if (!s.url && req.method !== 'DELETE') throw new InvalidInput('subscribers[].url is required');
      return subscriberInputOf(s);
    });

  const addSubscribers: RequestHandler = async (req, res) => {
    await subscribers.addQueueSubscribers(deps, projectOf(req), queueOf(req), subscribersOf(req));
    sendJson(res, 200, { msg: MSG.updated });
  };
  const replaceSubscribers: RequestHandler = async (req, res) => {
    await subscribers.replaceQueueSubscribers(deps, projectOf(req), queueOf(req), subscribersOf(req));
    sendJson(res, 200, { msg: MSG.updated });
  };
  const removeSubscribers: RequestHandler = async (req, res) => {
    const removed = (bodyOf<{ subscribers: WireSubscriber[] }>(req).subscribers ?? []).map((s) => ({
      name: s.name ?? undefined,
      url: s.url || undefined,
    }));
    await subscribers.removeQueueSubscribers(deps, projectOf(req), queueOf(req), removed);
    sendJson(res, 200, { msg: MSG.updated });
  };

  const alertsOf = (req: Parameters<RequestHandler>[0]) =>
    (bodyOf<{ alerts: WireAlert[] }>(req).alerts ?? []).map(alertInputOf);
  const addAlerts: RequestHandler = async (req, res) => {
    const queue = await queueAlerts.addAlerts(deps, projectOf(req), queueOf(req), alertsOf(req));
    sendJson(res, 200, { queue: queueToWire(queue) });
  };
  const replaceAlerts: RequestHandler = async (req, res) => {
    const queue = await queueAlerts.replaceAlerts(deps, projectOf(req), queueOf(req), alertsOf(req));
    sendJson(res, 200, { queue: queueToWire(queue) });
  };
  const deleteAlerts: RequestHandler = async (req, res) => {
    const ids = (bodyOf<{ alerts: { id: string }[] }>(req).alerts ?? []).map((alert) => alert.id);
    await queueAlerts.deleteAlerts(deps, projectOf(req), queueOf(req), ids);
    sendJson(res, 200, { msg: MSG.deleted });
  };
  const deleteAlert: RequestHandler = async (req, res) => {
    await queueAlerts.deleteAlerts(deps, projectOf(req), queueOf(req), [String(req.params.alertId)]);
    sendJson(res, 200, { msg: MSG.deleted });
  };

  const pushStatuses: RequestHandler = async (req, res) => {
    const statuses = await pushMessages.pushStatuses(deps, projectOf(req), queueOf(req), messageIdOf(req));
    sendJson(res, 200, { subscribers: statuses.map(deliveryToWire) });
  };

  resource(router, '/:queue/subscribers', {
    POST: [rules.subscribers, addSubscribers],
    PUT: [rules.subscribers, replaceSubscribers],
    DELETE: [rules.subscribers, removeSubscribers],
  });
  resource(router, '/:queue/alerts', {
    POST: [rules.alerts, addAlerts],
    PUT: [rules.alerts, replaceAlerts],
    DELETE: [rules.deleteAlerts, deleteAlerts],
  });
  resource(router, '/:queue/alerts/:alertId', { DELETE: [deleteAlert] });
  resource(router, '/:queue/messages/:messageId/subscribers', { GET: [pushStatuses] });
  return router;
}
