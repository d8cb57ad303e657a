import { ApiError, MAX_PEEK } from '../api.js';
import { emptyState, h, replace, whileBusy } from '../dom.js';
import { formatCount, formatTime } from '../format.js';
import { pushStatuses } from '../panels/push.js';

const PEEK_SIZES = [10, 25, 50, MAX_PEEK];

/** A message body longer than this is shown cut short; a click on it unfolds the rest. */
const BODY_PREVIEW_CHARS = 240;

/**
 * The first messages of the queue, peeked (not reserved); on push queues each row can show its push statuses.
 *
 * @param {import('./queue-forms.js').QueuePage} page
 */
export function messagesSection(page) {
  const { api, name, connection } = page;
  const count = h(
    'select',
    { id: 'peek-count', 'aria-label': 'How many messages to peek' },
    PEEK_SIZES.map((n) => h('option', { value: n }, `First ${n}`)),
  );
  const refreshButton = h('button', { type: 'button', class: 'btn', id: 'peek' }, 'Peek');
  const list = h('div', { class: 'messages' });
  const element = h(
    'section',
    { class: 'card card-flush', id: 'messages' },
    h(
      'div',
      { class: 'card-head' },
      h('div', null, h('h2', null, 'Messages'), h('p', { class: 'muted' }, 'Peeking does not reserve them.')),
      h('div', { class: 'toolbar' }, count, refreshButton),
    ),
    list,
  );

  async function peek() {
    try {
      const found = await api.peekMessages(name, Number(count.value));
      replace(
        list,
        found.length === 0
          ? emptyState({ title: 'This queue is empty.', text: 'Post a message above, or from any client.' })
          : messageTable(found),
      );
    } catch (failure) {
      if (connection.failed(failure)) return;
      if (failure instanceof ApiError && failure.status === 404) page.showMissing();
      else
        replace(
          list,
          emptyState({
            kind: 'error',
            title: 'Could not peek.',
            text: `${failure.status}: ${failure.message}`,
          }),
        );
    }
  }

  function messageTable(found) {
    const push = page.queue !== null && page.queue.type !== 'pull';
    return h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'table message-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { class: 'num' }, 'Id'),
            h('th', null, 'Body'),
            h('th', { class: 'num' }, 'Reserved'),
            h('th', { class: 'num' }, 'Delay'),
            h('th', null, 'Posted'),
          ),
        ),
        h(
          'tbody',
          null,
          found.map((m) => messageRow(m, push)),
        ),
      ),
    );
  }

  function messageRow(message, push) {
    const text = message.body;
    const body =
      text.length <= BODY_PREVIEW_CHARS
        ? h('pre', { class: 'body' }, text)
        : h(
            'details',
            null,
            h('summary', null, h('pre', { class: 'body' }, `${text.slice(0, BODY_PREVIEW_CHARS)}…`)),
            h('pre', { class: 'body' }, text),
          );
    const cells = h('td', { class: 'body-cell' }, body);
    if (push) {
      const show = h('button', { type: 'button', class: 'btn btn-small' }, 'Push status');
      show.addEventListener('click', () => {
        void whileBusy(show, 'Loading…', async () => {
          const table = await pushStatuses(api, name, message.id).catch(() => null);
          show.replaceWith(table ?? h('span', { class: 'muted' }, 'Not available on this server.'));
        });
      });
      cells.append(show);
    }
    return h(
      'tr',
      { 'data-message': message.id },
      h('td', { class: 'num mono' }, message.id),
      cells,
      h('td', { class: 'num' }, formatCount(message.reserved_count)),
      h('td', { class: 'num' }, message.delay ? `${message.delay} s` : '—'),
      h('td', { class: 'nowrap', title: message.created_at }, formatTime(message.created_at)),
    );
  }

  refreshButton.addEventListener('click', () => void whileBusy(refreshButton, 'Peeking…', peek));
  count.addEventListener('change', () => void peek());
  return { element, peek };
}
