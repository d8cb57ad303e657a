import { ApiError, MAX_PEEK } from '../api.js';
import { emptyState, h, replace, setText } from '../dom.js';
import { formatCount, formatTime } from '../format.js';

/** Bodies are shown cut to this many characters: the view is for seeing what is being worked on. */
const BODY_CHARS = 80;

/**
 * The messages consumers hold now (GET …/reservations), as IronMQ's HUD showed them: id, when the reservation
 * ends, how many times the message was reserved, and the body shortened. Reservation ids are not shown: the
 * server does not hand them out. Refreshed with the page's poll; hidden on push queues.
 *
 * @param {import('./queue-forms.js').QueuePage} page
 */
export function reservedSection(page) {
  const { api, name, connection } = page;
  const count = h('span', { class: 'muted', id: 'reserved-count' });
  const list = h('div', { class: 'reserved' });
  const element = h(
    'section',
    { class: 'card card-flush', id: 'reserved', hidden: true },
    h(
      'div',
      { class: 'card-head' },
      h(
        'div',
        null,
        h('h2', null, 'Reserved'),
        h(
          'p',
          { class: 'muted' },
          'Messages a consumer holds now, until they are deleted, released or time out.',
        ),
      ),
      count,
    ),
    list,
  );
  let inFlight = false;
  let shown = '';

  async function refresh() {
    const queue = page.queue;
    if (inFlight || !queue) return;
    if (queue.type && queue.type !== 'pull') {
      element.hidden = true;
      return;
    }
    inFlight = true;
    try {
      const held = await api.listReserved(name, MAX_PEEK);
      element.hidden = false;
      setText(count, held.length === MAX_PEEK ? `The first ${MAX_PEEK}` : `${formatCount(held.length)} held`);
      // Redrawn only when something changed, so a poll does not disturb a selection.
      const key = JSON.stringify(held.map((m) => [m.id, m.reserved_until, m.reserved_count]));
      if (key === shown) return;
      shown = key;
      replace(
        list,
        held.length === 0
          ? emptyState({ title: 'No message is reserved right now.' })
          : h('div', { class: 'table-scroll' }, reservedTable(held)),
      );
    } catch (failure) {
      if (connection.failed(failure)) return;
      if (failure instanceof ApiError && failure.status === 404) return;
      shown = '';
      replace(
        list,
        emptyState({
          kind: 'error',
          title: 'Could not list reserved messages.',
          text: `${failure.status}: ${failure.message}`,
        }),
      );
    } finally {
      inFlight = false;
    }
  }

  return { element, refresh };
}

function reservedTable(held) {
  return h(
    'table',
    { class: 'table table-compact reserved-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { class: 'num' }, 'Id'),
        h('th', null, 'Reserved until'),
        h('th', { class: 'num' }, 'Times reserved'),
        h('th', null, 'Body'),
      ),
    ),
    h(
      'tbody',
      null,
      held.map((m) =>
        h(
          'tr',
          { 'data-message': m.id },
          h('td', { class: 'num mono' }, m.id),
          h('td', { class: 'nowrap until', title: m.reserved_until }, formatTime(m.reserved_until)),
          h('td', { class: 'num times' }, formatCount(m.reserved_count)),
          h(
            'td',
            { class: 'body-cell' },
            h(
              'code',
              { class: 'body-short', title: m.body.length > BODY_CHARS ? m.body.slice(0, 2000) : null },
              shorten(m.body),
            ),
          ),
        ),
      ),
    ),
  );
}

function shorten(text) {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= BODY_CHARS ? line : `${line.slice(0, BODY_CHARS)}…`;
}
