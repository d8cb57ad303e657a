import { ApiError, MAX_PER_PAGE } from '../api.js';
import { emptyState, h, replace, setText, whileBusy } from '../dom.js';
import { formatCount, formatRate } from '../format.js';
import { projectPanels } from '../panels/index.js';
import { mountPanels } from '../panels/mount.js';
import { RateTracker } from '../rates.js';
import { links } from '../router.js';
import { createSparklines } from './queue-sparklines.js';

/** How often sizes and rates refresh. */
export const POLL_MS = 2000;

const PAGE_SIZES = [25, 50, MAX_PER_PAGE];

/**
 * Kept while the tab lives, so coming back from a queue returns to the same filter and page. The API pages
 * forward only (`previous` = the last name seen), so earlier pages are found again from their recorded starts.
 */
const listState = { projectId: '', prefix: '', perPage: 50, starts: [''], page: 0 };
let tracker = new RateTracker();
let sparklines = null;

/**
 * The queue list: filter by prefix, pages of up to 100, size/total/type and live in/out rates.
 *
 * @param {HTMLElement} root
 * @param {{ api: object, connection: object, notify: Function, navigate: Function }} context
 */
export function mountQueueList(root, context) {
  const { api, connection } = context;
  if (listState.projectId !== api.projectId) {
    Object.assign(listState, { projectId: api.projectId, prefix: '', starts: [''], page: 0 });
    tracker = new RateTracker();
    sparklines = null;
  }
  sparklines ??= createSparklines(api);
  let stopped = false;
  let inFlight = false;
  let reloadAfter = false;
  let rows = new Map();
  let hasNext = false;

  const filter = h('input', {
    type: 'search',
    id: 'queue-filter',
    placeholder: 'Filter by name prefix',
    'aria-label': 'Filter queues by name prefix',
    value: listState.prefix,
    spellcheck: 'false',
  });
  const perPage = h(
    'select',
    { id: 'per-page', 'aria-label': 'Queues per page' },
    PAGE_SIZES.map((n) => h('option', { value: n, selected: n === listState.perPage }, `${n} per page`)),
  );
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'table queue-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'Type'),
        h('th', { scope: 'col', class: 'num' }, 'Size'),
        h('th', { scope: 'col', class: 'num' }, 'Total messages'),
        h('th', { scope: 'col', class: 'num', title: 'Messages posted per second' }, 'In /s'),
        h('th', { scope: 'col', class: 'num', title: 'Messages that left the queue per second' }, 'Out /s'),
        h(
          'th',
          { scope: 'col', class: 'activity', title: 'Messages in and out per minute, last hour' },
          'Last hour',
        ),
      ),
    ),
    body,
  );
  const state = h('div', { class: 'table-state' });
  const range = h('span', { class: 'muted', id: 'page-range' });
  const previousButton = h('button', { type: 'button', class: 'btn', id: 'page-previous' }, '‹ Previous');
  const nextButton = h('button', { type: 'button', class: 'btn', id: 'page-next' }, 'Next ›');
  const pager = h(
    'div',
    { class: 'pager' },
    range,
    h('div', { class: 'pager-buttons' }, previousButton, nextButton),
  );
  const updated = h('span', { class: 'muted live', id: 'updated' });
  const panels = h('div', { class: 'panels' });

  const postForm = newMessageForm(context, () => load());

  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('div', null, h('h1', null, 'Queues'), updated),
      h('div', { class: 'toolbar' }, filter, perPage),
    ),
    h('section', { class: 'card card-flush' }, h('div', { class: 'table-scroll' }, table), state, pager),
    postForm,
    panels,
  );

  function showState(node) {
    replace(state, node);
    state.hidden = !node;
  }

  function render(queues, rates) {
    const names = queues.map((q) => q.name);
    if (names.join('\n') !== [...rows.keys()].join('\n')) {
      rows = new Map(queues.map((q) => [q.name, row(q)]));
      replace(
        body,
        [...rows.values()].map((r) => r.element),
      );
    }
    for (const queue of queues) {
      const cells = rows.get(queue.name);
      const rate = rates.get(queue.name) ?? null;
      setText(cells.type, queue.type ?? 'pull');
      setText(cells.size, formatCount(queue.size));
      setText(cells.total, formatCount(queue.total_messages));
      setText(cells.in, formatRate(rate?.inPerSecond));
      setText(cells.out, formatRate(rate?.outPerSecond));
      cells.in.classList.toggle('active', (rate?.inPerSecond ?? 0) > 0);
      cells.out.classList.toggle('active', (rate?.outPerSecond ?? 0) > 0);
    }
    sparklines.update(new Map(queues.map((queue) => [queue.name, rows.get(queue.name).activity])));
    table.hidden = queues.length === 0;
    if (queues.length === 0) showState(emptyList());
    else showState(null);

    const first = listState.page * listState.perPage;
    setText(
      range,
      queues.length === 0 ? '' : `Queues ${formatCount(first + 1)}–${formatCount(first + queues.length)}`,
    );
    previousButton.disabled = listState.page === 0;
    nextButton.disabled = !hasNext;
    pager.hidden = queues.length === 0 && listState.page === 0;
  }

  function emptyList() {
    if (listState.page > 0) {
      return emptyState({ title: 'No more queues.', text: 'Go back to the previous page.' });
    }
    if (listState.prefix) {
      return emptyState({
        title: `No queues start with “${listState.prefix}”.`,
        text: 'Clear the filter to see every queue.',
      });
    }
    return emptyState({
      title: 'No queues yet — post a message to create one',
      text: 'A queue is created by its first message, from this page or from any IronMQ client.',
    });
  }

  function showError(error) {
    setText(updated, 'Offline · retrying');
    updated.classList.add('offline');
    if (connection.failed(error) && rows.size > 0) return;
    rows = new Map();
    replace(body);
    table.hidden = true;
    pager.hidden = true;
    const retry = h('button', { type: 'button', class: 'btn', onclick: () => load() }, 'Retry');
    showState(
      emptyState({
        kind: 'error',
        title: error.status === 0 ? 'Cannot reach the Ferrite server.' : 'The queues could not be listed.',
        text: error instanceof ApiError && error.status !== 0 ? `${error.status}: ${error.message}` : null,
        actions: [retry],
      }),
    );
  }

  function currentQuery() {
    return {
      prefix: listState.prefix,
      previous: listState.starts[listState.page],
      perPage: listState.perPage,
    };
  }

  /** Fetches the current page; `full` also asks whether a next page exists (once per page, not per poll). */
  async function fetchPage(full) {
    if (stopped) return;
    if (inFlight) {
      // A user action while a poll is out: run it once that one is back.
      reloadAfter ||= full;
      return;
    }
    inFlight = true;
    try {
      await fetchOnce(full);
    } finally {
      inFlight = false;
    }
    if (reloadAfter) {
      reloadAfter = false;
      await fetchPage(true);
    }
  }

  async function fetchOnce(full) {
    const query = currentQuery();
    try {
      const queues = await api.listQueues(query);
      let next = hasNext;
      // A next page is looked for once per page, and again when a poll finds the page newly full.
      if (full || (queues.length === query.perPage && rows.size !== query.perPage)) {
        const last = queues.at(-1);
        next =
          queues.length === query.perPage &&
          last !== undefined &&
          (await api.listQueues({ prefix: query.prefix, previous: last.name, perPage: 1 })).length > 0;
      } else if (queues.length < query.perPage) {
        next = false;
      }
      // The filter or page changed meanwhile: this answer is for a list no longer shown.
      if (stopped || JSON.stringify(query) !== JSON.stringify(currentQuery())) return;
      hasNext = next;
      connection.ok();
      render(queues, tracker.update(queues, performance.now()));
      setText(updated, 'Live · every 2 s');
      updated.classList.remove('offline');
    } catch (error) {
      if (!stopped) showError(error);
    }
  }

  function load() {
    return fetchPage(true);
  }

  function restart() {
    clearTimeout(filterTimer);
    listState.prefix = filter.value;
    listState.starts = [''];
    listState.page = 0;
    rows = new Map();
    void load();
  }

  let filterTimer = 0;
  filter.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(restart, 250);
  });
  perPage.addEventListener('change', () => {
    listState.perPage = Number(perPage.value);
    restart();
  });
  nextButton.addEventListener('click', () => {
    const last = [...rows.keys()].at(-1);
    if (last === undefined) return;
    listState.starts[listState.page + 1] = last;
    listState.page += 1;
    turnPage();
  });
  previousButton.addEventListener('click', () => {
    if (listState.page === 0) return;
    listState.page -= 1;
    turnPage();
  });

  /** The buttons stay disabled until the new page's render() decides whether there is more. */
  function turnPage() {
    nextButton.disabled = true;
    previousButton.disabled = true;
    rows = new Map();
    void load();
  }

  showState(h('p', { class: 'muted loading' }, 'Loading queues…'));
  table.hidden = true;
  pager.hidden = true;
  void load();
  const poll = setInterval(() => {
    if (!document.hidden) void fetchPage(false);
  }, POLL_MS);
  const unmountPanels = mountPanels(panels, projectPanels, context);

  return () => {
    stopped = true;
    clearInterval(poll);
    clearTimeout(filterTimer);
    unmountPanels();
  };
}

function row(queue) {
  const cell = (className) => h('td', { class: className });
  const cells = {
    type: h('td', null, ''),
    size: cell('num size'),
    total: cell('num total'),
    in: cell('num rate rate-in'),
    out: cell('num rate rate-out'),
    activity: cell('activity'),
  };
  cells.element = h(
    'tr',
    { 'data-queue': queue.name },
    h('td', { class: 'name' }, h('a', { href: links.queue(queue.name) }, queue.name)),
    cells.type,
    cells.size,
    cells.total,
    cells.in,
    cells.out,
    cells.activity,
  );
  return cells;
}

/** Posting to a queue that does not exist creates it, the way IronMQ clients do. */
function newMessageForm(context, onPosted) {
  const name = h('input', { id: 'new-queue-name', required: true, spellcheck: 'false', maxlength: 255 });
  const text = h('input', { id: 'new-queue-body', required: true, spellcheck: 'false' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Post message');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'card form-inline', id: 'new-message-form' },
    h('h2', null, 'Post a message'),
    h('p', { class: 'muted' }, 'To an existing queue, or to a new one: the first message creates it.'),
    error,
    h(
      'div',
      { class: 'fields' },
      h('div', { class: 'field' }, h('label', { for: 'new-queue-name' }, 'Queue name'), name),
      h('div', { class: 'field' }, h('label', { for: 'new-queue-body' }, 'Message body'), text),
      submit,
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    void whileBusy(submit, 'Posting…', async () => {
      try {
        const queueName = name.value;
        const [id] = await context.api.postMessages(queueName, [{ body: text.value }]);
        text.value = '';
        context.notify(`Posted message ${id} to ${queueName}.`, 'success');
        await onPosted();
      } catch (failure) {
        if (context.connection.failed(failure)) return;
        error.textContent = `${failure.status}: ${failure.message}`;
        error.hidden = false;
      }
    });
  });
  return form;
}
