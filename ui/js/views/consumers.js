import { emptyState, h, replace, setText, whileBusy } from '../dom.js';
import { formatCount, formatTime } from '../format.js';
import { links } from '../router.js';

/** CrimsonQ's statuses, in the order a message moves through them. */
export const STATUSES = ['pending', 'active', 'delayed', 'failed', 'completed'];

/** How often counts and the shown list refresh. */
const POLL_MS = 2000;

/** Counts are fetched one consumer at a time: more than this many are listed by name only. */
const MAX_COUNTED = 100;

const segment = (value) => encodeURIComponent(value);

/** The consumer ids, in name order (`/api/consumer/list` answers null when there are none). */
export async function listConsumers(api) {
  const ids = await api.crimsonq('GET', 'consumer/list');
  return Array.isArray(ids) ? [...ids].sort() : [];
}

/**
 * Below the queue list: one line saying how many consumers the project has, and a link to the consumers page
 * (`#/consumers`). Counts are read on that page only, so a project with many queues costs one call per poll.
 *
 * @param {{ api: object, connection: object }} context
 * @param {string[]} initialIds the first answer of listConsumers()
 * @returns {HTMLElement}
 */
export function consumersView(context, initialIds) {
  const element = h('div', { class: 'consumers', id: 'consumers' });
  mountSummary(element, context, initialIds);
  return element;
}

/**
 * `#/consumers`: the CrimsonQ consumers of the signed-in token's project with live counts per status; each
 * opens its page. Polling stops when the view is left.
 */
export function mountConsumersPage(root, context) {
  const element = h('div', { class: 'consumers', id: 'consumers' });
  replace(root, h('section', { class: 'card' }, h('h2', null, 'CrimsonQ consumers'), element));
  return mountList(element, context, null);
}

/**
 * `#/consumers/<id>`: one consumer, its counts, its messages per status with their status history, and the
 * retry, retry-all, flush and delete actions.
 */
export function mountConsumerPage(root, context, id) {
  const element = h('div', { class: 'consumers', id: 'consumers' });
  replace(root, h('section', { class: 'card' }, element));
  return mountConsumer(element, context, id);
}

function mountSummary(root, context, initialIds) {
  const { api, connection } = context;
  let stopped = false;
  const summary = h('span', { class: 'muted', id: 'consumers-summary' });
  const tab = h('a', { class: 'btn', id: 'consumers-tab', href: links.consumers() }, 'Consumers ›');
  replace(root, h('div', { class: 'consumers-summary' }, summary, tab));

  async function load(known) {
    try {
      const ids = known ?? (await listConsumers(api));
      if (stopped) return;
      setText(
        summary,
        ids.length === 0
          ? 'No consumers yet: create one with POST /api/consumer/create.'
          : `${formatCount(ids.length)} consumer${ids.length === 1 ? '' : 's'}, with their messages by status.`,
      );
    } catch (error) {
      if (stopped || connection.failed(error)) return;
      setText(summary, `Could not list consumers: ${error.status}: ${error.message}`);
    }
  }

  void load(initialIds);
  const stopPoll = poll(root, () => load(null));
  return () => {
    stopped = true;
    stopPoll();
  };
}

/** Runs `tick` every 2 s while `element` is on the page (and the tab visible); returns the stop. */
function poll(element, tick) {
  const timer = setInterval(() => {
    if (!element.isConnected) clearInterval(timer);
    else if (!document.hidden) void tick();
  }, POLL_MS);
  return () => clearInterval(timer);
}

function countCells(prefix) {
  return Object.fromEntries(STATUSES.map((s) => [s, h('td', { class: `num ${prefix}${s}` }, '—')]));
}

function mountList(root, context, initialIds) {
  const { api, connection } = context;
  let stopped = false;
  let rows = new Map();
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'table consumer-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Consumer'),
        STATUSES.map((s) => h('th', { scope: 'col', class: 'num' }, s[0].toUpperCase() + s.slice(1))),
      ),
    ),
    body,
  );
  const state = h('div', { class: 'table-state' });
  const note = h('span', { class: 'muted', id: 'consumers-updated' }, '');
  replace(
    root,
    h('div', { class: 'consumers-summary' }, note),
    h('div', { class: 'table-scroll' }, table),
    state,
  );

  function render(ids, counts) {
    if (ids.join('\n') !== [...rows.keys()].join('\n')) {
      rows = new Map(ids.map((id) => [id, row(id)]));
      replace(
        body,
        [...rows.values()].map((r) => r.element),
      );
    }
    ids.forEach((id, i) => {
      const cells = rows.get(id);
      for (const status of STATUSES) {
        const n = counts[i]?.[status];
        setText(cells[status], formatCount(n));
        cells[status].classList.toggle('active', status === 'failed' && n > 0);
      }
    });
    table.hidden = ids.length === 0;
    replace(
      state,
      ids.length === 0
        ? emptyState({
            title: 'No consumers yet.',
            text: 'Create one with POST /api/consumer/create; every pull queue of the project is one too.',
          })
        : null,
    );
    setText(
      note,
      ids.length > MAX_COUNTED
        ? `Live · every 2 s · counts for the first ${MAX_COUNTED} of ${formatCount(ids.length)}`
        : 'Live · every 2 s',
    );
  }

  function row(id) {
    const cells = countCells('count-');
    const link = h('a', { href: links.consumer(id), class: 'consumer-link' }, id);
    cells.element = h(
      'tr',
      { 'data-consumer': id },
      h('td', { class: 'consumer-id' }, link),
      STATUSES.map((s) => cells[s]),
    );
    return cells;
  }

  async function load(known) {
    try {
      const ids = known ?? (await listConsumers(api));
      const counts = await Promise.all(
        ids
          .slice(0, MAX_COUNTED)
          .map((id) => api.crimsonq('GET', `msg/counts/${segment(id)}`).catch(() => null)),
      );
      if (stopped) return;
      connection.ok();
      render(ids, counts);
    } catch (error) {
      if (stopped || connection.failed(error)) return;
      setText(note, `Could not list consumers: ${error.status}: ${error.message}`);
    }
  }

  void load(initialIds);
  const stopPoll = poll(root, () => load(null));
  return () => {
    stopped = true;
    stopPoll();
  };
}

function mountConsumer(root, context, id) {
  const { api, connection, notify, navigate } = context;
  const back = () => navigate(links.consumers());
  let stopped = false;
  let status = 'pending';
  let shown = '';
  const cq = (method, path, body) => api.crimsonq(method, path, body);

  const backButton = h(
    'a',
    { class: 'btn btn-small', id: 'consumers-back', href: links.consumers() },
    '‹ All consumers',
  );
  const counts = Object.fromEntries(
    STATUSES.map((s) => [s, h('div', { class: 'stat-value', id: `consumer-count-${s}` }, '—')]),
  );
  const tabs = Object.fromEntries(
    STATUSES.map((s) => [
      s,
      h(
        'button',
        { type: 'button', class: 'tab', 'data-status': s, 'aria-pressed': String(s === status) },
        s,
      ),
    ]),
  );
  const action = (id_, label, className) =>
    h('button', { type: 'button', class: `btn ${className}`, id: id_ }, label);
  const retryAll = action('consumer-retry-all', 'Retry all failed', '');
  const flushCompleted = action('consumer-flush-complete', 'Flush completed', 'btn-danger-outline');
  const flushFailed = action('consumer-flush-failed', 'Flush failed', 'btn-danger-outline');
  const list = h('div', { class: 'consumer-messages', id: 'consumer-messages' });

  replace(
    root,
    h(
      'div',
      { class: 'card-head consumer-head' },
      h('div', null, backButton, h('h3', { class: 'consumer-name', id: 'consumer-name' }, id)),
      h('div', { class: 'toolbar' }, retryAll, flushCompleted, flushFailed),
    ),
    h(
      'div',
      { class: 'stats' },
      STATUSES.map((s) => h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, s), counts[s])),
    ),
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'Messages by status' }, Object.values(tabs)),
    list,
  );

  async function refresh() {
    const wanted = status;
    try {
      const [numbers, text] = await Promise.all([
        cq('GET', `msg/counts/${segment(id)}`),
        cq('GET', `msg/list/json/${segment(id)}/${wanted}`),
      ]);
      if (stopped) return;
      connection.ok();
      for (const s of STATUSES) setText(counts[s], formatCount(numbers?.[s]));
      // The list is a JSON string holding a JSON array: parsed once more.
      const raw = typeof text === 'string' ? text : JSON.stringify(text ?? []);
      if (wanted !== status || raw === shown) return;
      shown = raw;
      const messages = JSON.parse(raw) ?? [];
      replace(
        list,
        messages.length === 0
          ? emptyState({ title: `No ${wanted} messages.` })
          : messageTable(messages, wanted),
      );
    } catch (error) {
      if (stopped || connection.failed(error)) return;
      shown = '';
      replace(
        list,
        emptyState({
          kind: 'error',
          title: `Could not load consumer “${id}”.`,
          text: `${error.status}: ${error.message}`,
          actions: [h('button', { type: 'button', class: 'btn', onclick: back }, 'Back to consumers')],
        }),
      );
    }
  }

  function messageTable(messages, listed) {
    return h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'table message-table consumer-message-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'Key'),
            h('th', null, 'Value'),
            h('th', null, 'Error'),
            h('th', null, 'Status history'),
            h('th', null, ''),
          ),
        ),
        h(
          'tbody',
          null,
          messages.map((m) => messageRow(m, listed)),
        ),
      ),
    );
  }

  function messageRow(message, listed) {
    // Every status the message entered, with when, oldest first (the object's keys are in name order);
    // `created` first among equal times.
    const history = Object.entries(message.statusHistory ?? {}).sort(
      ([nameA, a], [nameB, b]) =>
        String(a).localeCompare(String(b)) || Number(nameB === 'created_at') - Number(nameA === 'created_at'),
    );
    const retry = h('button', { type: 'button', class: 'btn btn-small msg-retry' }, 'Retry');
    retry.addEventListener('click', () =>
      act(
        retry,
        'Retrying…',
        () => cq('POST', 'msg/retry', { consumerId: id, messageId: message.key }),
        `Retried ${message.key}.`,
      ),
    );
    const remove = h(
      'button',
      { type: 'button', class: 'btn btn-small btn-danger-outline msg-delete' },
      'Delete',
    );
    remove.addEventListener('click', () => {
      if (!window.confirm(`Delete ${listed} message ${message.key} of “${id}”? This cannot be undone.`))
        return;
      void act(
        remove,
        'Deleting…',
        () => cq('POST', 'msg/del', { consumerId: id, status: listed, messageId: message.key }),
        `Deleted ${message.key}.`,
      );
    });
    return h(
      'tr',
      { 'data-message': message.key },
      h('td', { class: 'mono nowrap' }, message.key),
      h('td', { class: 'body-cell' }, h('pre', { class: 'body' }, String(message.value ?? ''))),
      h('td', { class: 'msg-error' }, message.error ?? ''),
      h(
        'td',
        { class: 'times' },
        history.map(([name, at]) =>
          h(
            'div',
            { class: 'nowrap history-entry', 'data-status': name.replace(/_at$/, ''), title: at },
            `${name.replace(/_at$/, '')} ${formatTime(at)}`,
          ),
        ),
      ),
      h('td', { class: 'row-actions' }, listed === 'failed' ? retry : null, remove),
    );
  }

  /** Runs one action; its answer or error is a toast, then everything shown is read again. */
  function act(button, busy, call, done) {
    return whileBusy(button, busy, async () => {
      try {
        await call();
        notify(done, 'success');
      } catch (failure) {
        if (!connection.failed(failure)) notify(`Failed: ${failure.status}: ${failure.message}`, 'error');
      }
      shown = '';
      await refresh();
    });
  }

  retryAll.addEventListener('click', () =>
    act(
      retryAll,
      'Retrying…',
      () => cq('POST', 'msg/retryall', { consumerId: id }),
      `Retried the failed messages of ${id}.`,
    ),
  );
  flushCompleted.addEventListener('click', () => {
    if (!window.confirm(`Delete every completed message of “${id}”?`)) return;
    void act(
      flushCompleted,
      'Flushing…',
      () => cq('POST', 'consumer/flush/complete', { consumerId: id }),
      `Flushed completed messages of ${id}.`,
    );
  });
  flushFailed.addEventListener('click', () => {
    if (!window.confirm(`Delete every failed message of “${id}”? They cannot be retried after this.`)) return;
    void act(
      flushFailed,
      'Flushing…',
      () => cq('POST', 'consumer/flush/failed', { consumerId: id }),
      `Flushed failed messages of ${id}.`,
    );
  });
  for (const [s, tab] of Object.entries(tabs)) {
    tab.addEventListener('click', () => {
      status = s;
      shown = '';
      for (const [other, t] of Object.entries(tabs)) t.setAttribute('aria-pressed', String(other === s));
      replace(list, h('p', { class: 'muted loading' }, 'Loading…'));
      void refresh();
    });
  }

  replace(list, h('p', { class: 'muted loading' }, 'Loading…'));
  void refresh();
  const stopPoll = poll(root, refresh);
  return () => {
    stopped = true;
    stopPoll();
  };
}
