/** Hash routes, so the server serves one page: `#/` the queue list, `#/queues/<name>` one queue. */

/** @returns {{ view: 'queues' } | { view: 'queue', name: string }} */
export function currentRoute() {
  const hash = location.hash.replace(/^#/, '');
  const match = /^\/queues\/(.+)$/.exec(hash);
  if (match) {
    try {
      return { view: 'queue', name: decodeURIComponent(match[1]) };
    } catch {
      return { view: 'queues' };
    }
  }
  return { view: 'queues' };
}

export const links = {
  queues: () => '#/',
  queue: (name) => `#/queues/${encodeURIComponent(name)}`,
};

export function navigate(href) {
  if (location.hash === href) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = href;
}
