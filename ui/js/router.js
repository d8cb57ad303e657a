/**
 * Hash routes, so the server serves one page: `#/` the queue list, `#/queues/<name>` one queue,
 * `#/consumers` the CrimsonQ consumers, `#/consumers/<id>` one consumer.
 */

/** @returns {{ view: 'queues' } | { view: 'queue', name: string } | { view: 'consumers' } | { view: 'consumer', id: string }} */
export function currentRoute() {
  const hash = location.hash.replace(/^#/, '');
  const queue = /^\/queues\/(.+)$/.exec(hash);
  const consumer = /^\/consumers\/(.+)$/.exec(hash);
  try {
    if (queue) return { view: 'queue', name: decodeURIComponent(queue[1]) };
    if (consumer) return { view: 'consumer', id: decodeURIComponent(consumer[1]) };
  } catch {
    return { view: 'queues' };
  }
  if (/^\/consumers\/?$/.test(hash)) return { view: 'consumers' };
  return { view: 'queues' };
}

export const links = {
  queues: () => '#/',
  queue: (name) => `#/queues/${encodeURIComponent(name)}`,
  consumers: () => '#/consumers',
  consumer: (id) => `#/consumers/${encodeURIComponent(id)}`,
};

export function navigate(href) {
  if (location.hash === href) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = href;
}
