import { consumersView, listConsumers } from '../views/consumers.js';

/**
 * CrimsonQ consumers of the token's project (the CrimsonQ API under /api, which takes the dashboard's
 * `Authorization: OAuth` token): counts per status, refreshed every 2 s, and a consumer page with its messages and
 * the retry / retry-all / flush / delete actions. A server without /api answers 404 and the panel stays hidden.
 *
 * @type {import('./mount.js').Panel}
 */
export const consumersPanel = {
  id: 'consumers',
  title: 'CrimsonQ consumers',
  async load(context) {
    const ids = await listConsumers(context.api);
    return consumersView(context, ids);
  },
};
