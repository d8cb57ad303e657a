import { checkAlerts, toAlert, type AlertInput } from '../domain/alerts';
import type { EngineDeps } from './deps';
import { InvalidInput, NotFound } from '../domain/errors';
import { changeQueue } from './queues';
import type { Alert, Queue } from '../domain/types';

function alertsOf(queue: Queue): Alert[] {
  if (queue.type !== 'pull') throw new InvalidInput('Alerts can only be set on pull queues');
  return queue.alerts;
}

/** POST …/alerts: adds alerts (an alert with an existing id replaces it). */
export function addAlerts(deps: EngineDeps, projectId: string, name: string, added: AlertInput[]) {
  return changeQueue(deps, projectId, name, (queue) => {
    const byId = new Map(alertsOf(queue).map((alert) => [alert.id, alert]));
    for (const alert of added.map((input) => toAlert(name, input))) byId.set(alert.id, alert);
    return { ...queue, alerts: checkAlerts([...byId.values()]) };
  });
}

/** PUT …/alerts: replaces the whole list. */
export function replaceAlerts(deps: EngineDeps, projectId: string, name: string, alerts: AlertInput[]) {
  return changeQueue(deps, projectId, name, (queue) => {
    alertsOf(queue);
    return { ...queue, alerts: checkAlerts(alerts.map((input) => toAlert(name, input))) };
  });
}

/** DELETE …/alerts (a list of ids) and DELETE …/alerts/{id}. Unknown ids are a 404. */
export function deleteAlerts(deps: EngineDeps, projectId: string, name: string, ids: string[]) {
  return changeQueue(deps, projectId, name, (queue) => {
    const current = alertsOf(queue);
    const missing = ids.find((id) => !current.some((alert) => alert.id === id));
    if (missing !== undefined) throw new NotFound('Alert not found');
    return { ...queue, alerts: current.filter((alert) => !ids.includes(alert.id)) };
  });
}
