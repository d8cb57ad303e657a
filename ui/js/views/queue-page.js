import { ApiError } from '../api.js';
import { emptyState, h, replace, setText, whileBusy } from '../dom.js';
import { formatCount, formatRate } from '../format.js';
import { queuePanels } from '../panels/index.js';
import { mountPanels } from '../panels/mount.js';
import { RateTracker } from '../rates.js';
import { links } from '../router.js';
import { postForm, settingsForm } from './queue-forms.js';
import { ACTIVITY_REFRESH_MS, activitySection } from './queue-activity.js';
import { messagesSection } from './queue-messages.js';
import { reservedSection } from './queue-reserved.js';
import { POLL_MS } from './queue-list.js';

/**
 * One queue: live stats, post a message, settings (PATCH), peek, clear and delete, then optional panels.
 *
 * @param {HTMLElement} root
 * @param {{ api: object, connection: object, notify: Function, navigate: Function }} context
 * @param {string} name
 */
export function mountQueuePage(root, context, name) {
  const { api, connection, notify, navigate } = context;
  const tracker = new RateTracker();
  let stopped = false;
  let inFlight = false;
  let refreshAgain = false;
  let queue = null;

  const stat = (label, id) => {
    const value = h('div', { class: 'stat-value', id }, '—');
    return { value, element: h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), value) };
  };
  const stats = {
    size: stat('Size', 'stat-size'),
    total: stat('Total messages', 'stat-total'),
    in: stat('In /s', 'stat-in'),
    out: stat('Out /s', 'stat-out'),
  };
  const typeBadge = h('span', { class: 'badge' }, '');
  const clearButton = h(
    'button',
    { type: 'button', class: 'btn btn-danger-outline', id: 'clear-queue' },
    'Clear messages',
  );
  const deleteButton = h(
    'button',
    { type: 'button', class: 'btn btn-danger', id: 'delete-queue' },
    'Delete queue',
  );
  /** @type {import('./queue-forms.js').QueuePage} */
  const page = {
    api,
    name,
    connection,
    notify,
    get queue() {
      return queue;
    },
    showQueue: (next) => showQueue(next, false),
    showFailure,
    showMissing,
    changed: () => Promise.all([refresh(), messages.peek(), reserved.refresh(), activity.refresh()]),
  };
  const settings = settingsForm(page);
  const post = postForm(page);
  const messages = messagesSection(page);
  const reserved = reservedSection(page);
  const activity = activitySection(page);
  const panels = h('div', { class: 'panels' });
  let unmountPanels = () => {};

  const content = h(
    'div',
    { class: 'queue-page', hidden: true },
    h(
      'div',
      { class: 'page-head' },
      h('div', null, h('h1', { class: 'queue-title' }, h('span', { class: 'queue-name' }, name), typeBadge)),
      h('div', { class: 'toolbar' }, clearButton, deleteButton),
    ),
    h(
      'div',
      { class: 'stats' },
      Object.values(stats).map((s) => s.element),
    ),
    activity.element,
    h('div', { class: 'grid-2' }, post.element, settings.element),
    messages.element,
    reserved.element,
    panels,
  );
  const status = h('div', null, h('p', { class: 'muted loading' }, 'Loading queue…'));

  replace(
    root,
    h(
      'nav',
      { class: 'crumbs', 'aria-label': 'Breadcrumb' },
      h('a', { href: links.queues() }, 'Queues'),
      ' / ',
      h('span', null, name),
    ),
    status,
    content,
  );

  function showQueue(next, first) {
    queue = next;
    const rate = tracker.update([next], performance.now()).get(next.name) ?? null;
    setText(typeBadge, next.type ?? 'pull');
    setText(stats.size.value, formatCount(next.size));
    setText(stats.total.value, formatCount(next.total_messages));
    setText(stats.in.value, formatRate(rate?.inPerSecond));
    setText(stats.out.value, formatRate(rate?.outPerSecond));
    if (first) {
      settings.fill(next);
      status.hidden = true;
      content.hidden = false;
      unmountPanels = mountPanels(panels, queuePanels, { ...context, queue: next });
    }
  }

  function showMissing() {
    stopped = true;
    content.hidden = true;
    status.hidden = false;
    replace(
      status,
      emptyState({
        title: `Queue “${name}” was not found.`,
        text: 'It may have been deleted. Posting a message to it creates it again.',
        actions: [h('a', { class: 'btn', href: links.queues() }, 'Back to queues')],
      }),
    );
  }

  async function refresh() {
    if (stopped) return;
    if (inFlight) {
      // Asked for after a change while a poll is out: that poll may predate the change.
      refreshAgain = true;
      return;
    }
    inFlight = true;
    try {
      const next = await api.getQueue(name);
      if (stopped) return;
      connection.ok();
      showQueue(next, queue === null);
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 404) showMissing();
      else if (!connection.failed(error) && queue === null) {
        replace(
          status,
          emptyState({
            kind: 'error',
            title: 'The queue could not be loaded.',
            text: `${error.status}: ${error.message}`,
            actions: [h('button', { type: 'button', class: 'btn', onclick: () => void refresh() }, 'Retry')],
          }),
        );
      }
    } finally {
      inFlight = false;
    }
    if (refreshAgain) {
      refreshAgain = false;
      await refresh();
    }
  }

  /** Shows a 4xx's message next to the form that caused it; 401 and no connection are handled globally. */
  function showFailure(errorElement, failure) {
    if (connection.failed(failure)) return;
    if (failure instanceof ApiError && failure.status === 404) {
      showMissing();
      return;
    }
    errorElement.textContent =
      failure instanceof ApiError ? `${failure.status}: ${failure.message}` : String(failure);
    errorElement.hidden = false;
  }

  clearButton.addEventListener('click', () => {
    const size = queue ? formatCount(queue.size) : 'all';
    if (
      !window.confirm(`Clear queue “${name}”? Its ${size} message(s) will be deleted. This cannot be undone.`)
    )
      return;
    void whileBusy(clearButton, 'Clearing…', async () => {
      try {
        await api.clearQueue(name);
        notify(`Cleared ${name}.`, 'success');
        await page.changed();
      } catch (failure) {
        if (!connection.failed(failure))
          notify(`Could not clear: ${failure.status}: ${failure.message}`, 'error');
      }
    });
  });

  deleteButton.addEventListener('click', () => {
    if (!window.confirm(`Delete queue “${name}” and all its messages? This cannot be undone.`)) return;
    void whileBusy(deleteButton, 'Deleting…', async () => {
      try {
        await api.deleteQueue(name);
        stopped = true;
        notify(`Deleted queue ${name}.`, 'success');
        navigate(links.queues());
      } catch (failure) {
        if (!connection.failed(failure))
          notify(`Could not delete: ${failure.status}: ${failure.message}`, 'error');
      }
    });
  });

  void refresh().then(() =>
    queue ? Promise.all([messages.peek(), reserved.refresh(), activity.refresh()]) : undefined,
  );
  const activityPoll = setInterval(() => {
    if (!document.hidden) void activity.refresh();
  }, ACTIVITY_REFRESH_MS);
  const poll = setInterval(() => {
    if (document.hidden) return;
    void refresh();
    void reserved.refresh();
  }, POLL_MS);

  return () => {
    stopped = true;
    clearInterval(poll);
    clearInterval(activityPoll);
    activity.stop();
    unmountPanels();
  };
}
