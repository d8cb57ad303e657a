import { h } from '../dom.js';

/**
 * A push queue's subscribers, from the queue's own `push` object (IronMQ v3: `push.subscribers`,
 * `retries`, `retries_delay`, `error_queue`). Pull queues have none, so the panel stays hidden.
 *
 * @type {import('./mount.js').Panel}
 */
export const pushSubscribersPanel = {
  id: 'push',
  title: 'Push subscribers',
  load({ queue }) {
    const push = queue.push;
    if (!push || queue.type === 'pull') return Promise.resolve(null);
    const subscribers = Array.isArray(push.subscribers) ? push.subscribers : [];
    return Promise.resolve(
      h(
        'div',
        null,
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Type'),
          h('dd', null, queue.type),
          h('dt', null, 'Retries'),
          h('dd', null, String(push.retries ?? '—')),
          h('dt', null, 'Retry delay'),
          h('dd', null, push.retries_delay === undefined ? '—' : `${push.retries_delay} s`),
          h('dt', null, 'Error queue'),
          h('dd', null, push.error_queue || '—'),
        ),
        subscribers.length === 0
          ? h('p', { class: 'muted' }, 'No subscribers.')
          : h(
              'table',
              { class: 'table' },
              h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'URL'))),
              h(
                'tbody',
                null,
                subscribers.map((s) => h('tr', null, h('td', null, s.name ?? '—'), h('td', null, s.url))),
              ),
            ),
      ),
    );
  },
};

/**
 * A message's delivery status per subscriber (GET …/messages/{id}/subscribers), shown under a peeked
 * message of a push queue. Resolves to null when the server has no such route yet.
 */
export async function pushStatuses(api, queueName, messageId) {
  try {
    const statuses = await api.getPushStatuses(queueName, messageId);
    if (statuses.length === 0) return h('p', { class: 'muted' }, 'No deliveries yet.');
    return h(
      'table',
      { class: 'table table-compact push-statuses' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, 'Subscriber'),
          h('th', null, 'Status'),
          h('th', { class: 'num' }, 'Code'),
          h('th', { class: 'num' }, 'Tries'),
          h('th', null, 'Error'),
        ),
      ),
      h(
        'tbody',
        null,
        statuses.map((s) =>
          h(
            'tr',
            null,
            h('td', { title: s.url ?? '' }, s.name ?? s.url ?? '—'),
            h('td', null, s.status ?? '—'),
            h('td', { class: 'num' }, s.status_code === undefined ? '—' : String(s.status_code)),
            h('td', { class: 'num' }, s.tries === undefined ? '—' : String(s.tries)),
            h('td', null, s.msg ?? ''),
          ),
        ),
      ),
    );
  } catch (error) {
    if (error?.isUnsupported) return null;
    throw error;
  }
}
