import { alertsPanel } from './alerts.js';
import { consumersPanel } from './consumers.js';
import { pushSubscribersPanel } from './push.js';
import { redrivePanel } from './redrive.js';

/**
 * Optional sections, in page order. Push queues, alerts and CrimsonQ consumers are being added to the server;
 * each panel shows itself only when the server answers for it, so these lists are where new panels go.
 */

/** Below a queue's settings and messages; load() gets `{ api, queue, connection, notify }`. */
export const queuePanels = [redrivePanel, pushSubscribersPanel, alertsPanel];

/** Below the queue list; load() gets `{ api, connection, notify }`. */
export const projectPanels = [consumersPanel];
