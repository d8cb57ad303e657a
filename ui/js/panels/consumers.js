/**
 * CrimsonQ consumers with per-status counts. The CrimsonQ API (its own login, under /api) is being added to
 * the server; until it is, this panel has nothing to call and stays hidden. When it lands: fetch the
 * consumers, render counts per status and the retry / retry-all / flush / delete actions here.
 *
 * @type {import('./mount.js').Panel}
 */
export const consumersPanel = {
  id: 'consumers',
  title: 'CrimsonQ consumers',
  load() {
    return Promise.resolve(null);
  },
};
