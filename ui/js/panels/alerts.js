import { h } from '../dom.js';

/**
 * A queue's alerts, from its own `alerts` list (IronMQ v3: type fixed/progressive, trigger, direction, queue,
 * snooze). Hidden while the server has no alerts, or the queue none.
 *
 * @type {import('./mount.js').Panel}
 */
export const alertsPanel = {
  id: 'alerts',
  title: 'Alerts',
  load({ queue }) {
    const alerts = Array.isArray(queue.alerts) ? queue.alerts : [];
    if (alerts.length === 0) return Promise.resolve(null);
    return Promise.resolve(
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'Type'),
            h('th', { class: 'num' }, 'Trigger'),
            h('th', null, 'Direction'),
            h('th', null, 'Notifies queue'),
            h('th', { class: 'num' }, 'Snooze'),
          ),
        ),
        h(
          'tbody',
          null,
          alerts.map((a) =>
            h(
              'tr',
              null,
              h('td', null, a.type ?? '—'),
              h('td', { class: 'num' }, String(a.trigger ?? '—')),
              h('td', null, a.direction ?? '—'),
              h('td', null, a.queue ?? '—'),
              h('td', { class: 'num' }, a.snooze ? `${a.snooze} s` : '—'),
            ),
          ),
        ),
      ),
    );
  },
};
