import { randomBytes } from 'node:crypto';
import { InvalidInput } from './errors';
import { checkQueueName } from './limits';
import type { Alert } from './types';

export const ALERT_LIMITS = { maxAlerts: 10, maxTrigger: 1_000_000_000, maxSnooze: 86_400 * 7 } as const;

export interface AlertInput {
  id?: string | undefined;
  type?: string | undefined;
  direction?: string | undefined;
  trigger?: number | undefined;
  queue?: string | undefined;
  snooze?: number | undefined;
}

/** Validates one alert definition; gives it an id when it has none. */
export function toAlert(sourceQueue: string, input: AlertInput): Alert {
  if (input.type !== 'fixed' && input.type !== 'progressive') {
    throw new InvalidInput('alert type must be fixed or progressive');
  }
  const direction = input.direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc')
    throw new InvalidInput('alert direction must be asc or desc');
  const trigger = input.trigger;
  if (
    trigger === undefined ||
    !Number.isInteger(trigger) ||
    trigger < 1 ||
    trigger > ALERT_LIMITS.maxTrigger
  ) {
    throw new InvalidInput('alert trigger must be a whole number of at least 1');
  }
  if (!input.queue)
    throw new InvalidInput('alert queue (the queue that receives alert messages) is required');
  checkQueueName(input.queue, 'alert queue');
  if (input.queue === sourceQueue) throw new InvalidInput('An alert cannot post to the queue it watches');
  const snooze = input.snooze ?? 0;
  if (!Number.isInteger(snooze) || snooze < 0 || snooze > ALERT_LIMITS.maxSnooze) {
    throw new InvalidInput(`alert snooze must be from 0 to ${ALERT_LIMITS.maxSnooze} seconds`);
  }
  return {
    id: input.id || randomBytes(12).toString('hex'),
    type: input.type,
    direction: direction,
    trigger,
    queue: input.queue,
    snooze,
  };
}

export function checkAlerts(alerts: Alert[]): Alert[] {
  if (alerts.length > ALERT_LIMITS.maxAlerts) {
    throw new InvalidInput(`A queue has at most ${ALERT_LIMITS.maxAlerts} alerts`);
  }
  if (new Set(alerts.map((a) => a.id)).size !== alerts.length)
    throw new InvalidInput('Alert ids must be unique');
  return alerts;
}

export interface AlertState {
  /** fixed: whether the next crossing fires (disarmed after firing until the size crosses back). */
  armed: boolean;
  /** progressive: the multiple of trigger last fired at. */
  level: number;
  lastFiredAt: number | null;
}

export const INITIAL_ALERT_STATE: AlertState = { armed: true, level: 0, lastFiredAt: null };

/**
 * Decides whether a size change from `before` to `after` fires an alert, and the alert's next state.
 * fixed asc fires when the size grows to `trigger` or past it (desc: shrinks to it or below), once, and re-arms
 * only after the size is back on the other side. progressive fires at every multiple of `trigger` reached in
 * its direction. A firing within `snooze` seconds of the last one is suppressed (the crossing is consumed).
 */
export function evaluateAlert(
  alert: Alert,
  state: AlertState,
  before: number,
  after: number,
  now: number,
): { fire: boolean; state: AlertState } {
  const t = alert.trigger;
  const snoozed = state.lastFiredAt !== null && now - state.lastFiredAt < alert.snooze * 1000;
  if (alert.type === 'fixed') {
    const crossed = alert.direction === 'asc' ? before < t && after >= t : before > t && after <= t;
    const back = alert.direction === 'asc' ? after < t : after > t;
    if (crossed && state.armed) {
      return snoozed
        ? { fire: false, state: { ...state, armed: false } }
        : { fire: true, state: { ...state, armed: false, lastFiredAt: now } };
    }
    return { fire: false, state: back ? { ...state, armed: true } : state };
  }
  const levelOf = (size: number) => Math.floor(size / t);
  if (alert.direction === 'asc') {
    const level = levelOf(after);
    if (after > before && level > levelOf(before) && level >= 1) {
      return snoozed
        ? { fire: false, state: { ...state, level } }
        : { fire: true, state: { ...state, level, lastFiredAt: now } };
    }
    return { fire: false, state: { ...state, level: Math.min(state.level, level) } };
  }
  // desc: fires when the size shrinks to a multiple of trigger or below it (ceil: 21 → 20 reaches 20).
  const ceilLevel = (size: number) => Math.ceil(size / t);
  if (after < before && ceilLevel(after) < ceilLevel(before)) {
    const level = levelOf(after);
    return snoozed
      ? { fire: false, state: { ...state, level } }
      : { fire: true, state: { ...state, level, lastFiredAt: now } };
  }
  return { fire: false, state };
}

/** The body of an alert message, posted to the alert's queue. */
export function alertMessageBody(alert: Alert, sourceQueue: string, size: number): string {
  return JSON.stringify({
    source_queue: sourceQueue,
    alert_id: alert.id,
    alert_type: alert.type,
    alert_direction: alert.direction,
    alert_trigger: alert.trigger,
    queue_size: size,
  });
}
