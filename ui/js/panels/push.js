import { ApiError } from '../api.js';
import { h, replace, whileBusy } from '../dom.js';

/**
 * A push queue's subscribers and delivery settings, from the queue's own `push` object (IronMQ v3:
 * `push.subscribers`, `retries`, `retries_delay`, `error_queue`), editable: add or update a subscriber by name
 * (POST …/subscribers), remove one (DELETE …/subscribers, after a confirmation), and change the retries and the
 * error queue (PATCH). Pull queues have none, so the panel stays hidden. Changes apply to messages posted
 * afterwards.
 *
 * @type {import('./mount.js').Panel}
 */
export const pushSubscribersPanel = {
  id: 'push',
  title: 'Push subscribers',
  load(context) {
    const { queue } = context;
    if (!queue.push || queue.type === 'pull') return Promise.resolve(null);
    return Promise.resolve(pushEditor(context));
  },
};

/** The panel's content, redrawn from the queue the server answers after each change. */
function pushEditor({ api, queue: initial, connection, notify }) {
  const name = initial.name;
  const root = h('div', { class: 'push-editor' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });

  /** Runs a change, then redraws from a fresh read; a refusal shows the server's message above the forms. */
  async function change(button, busyLabel, action, done) {
    error.hidden = true;
    await whileBusy(button, busyLabel, async () => {
      try {
        await action();
        notify(done, 'success');
        draw(await api.getQueue(name));
      } catch (failure) {
        if (connection?.failed(failure)) return;
        error.textContent =
          failure instanceof ApiError
            ? `${failure.status}: ${failure.message}`
            : String(failure.message ?? failure);
        error.hidden = false;
      }
    });
  }

  function draw(queue) {
    const push = queue.push ?? {};
    const subscribers = Array.isArray(push.subscribers) ? push.subscribers : [];
    replace(
      root,
      error,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Type'),
        h('dd', null, queue.type),
        h('dt', null, 'Retries'),
        h('dd', { id: 'push-retries-value' }, String(push.retries ?? '—')),
        h('dt', null, 'Retry delay'),
        h('dd', null, push.retries_delay === undefined ? '—' : `${push.retries_delay} s`),
        h('dt', null, 'Error queue'),
        h('dd', null, push.error_queue || '—'),
      ),
      subscribers.length === 0
        ? h('p', { class: 'muted' }, 'No subscribers.')
        : h(
            'table',
            { class: 'table subscriber-table' },
            h(
              'thead',
              null,
              h('tr', null, h('th', null, 'Name'), h('th', null, 'URL'), h('th', null, 'Headers'), h('th')),
            ),
            h('tbody', null, subscribers.map(subscriberRow)),
          ),
      h('div', { class: 'grid-2 panel-forms' }, subscriberForm(), settingsForm(push)),
    );
  }

  function subscriberRow(subscriber) {
    const remove = h(
      'button',
      { type: 'button', class: 'btn btn-small btn-danger-outline subscriber-remove' },
      'Remove',
    );
    remove.addEventListener('click', () => {
      const question =
        `Remove subscriber “${subscriber.name}” from “${name}”? ` +
        'Messages posted from now on will not be delivered to it.';
      if (!window.confirm(question)) return;
      void change(
        remove,
        'Removing…',
        () => api.removeSubscribers(name, [subscriber.name]),
        `Removed ${subscriber.name}.`,
      );
    });
    const headers =
      subscriber.headers && Object.keys(subscriber.headers).length > 0 ? subscriber.headers : null;
    return h(
      'tr',
      { 'data-subscriber': subscriber.name },
      h('td', null, subscriber.name ?? '—'),
      h('td', { class: 'mono' }, subscriber.url),
      h('td', { class: 'mono' }, headers ? Object.keys(headers).join(', ') : '—'),
      h('td', { class: 'row-actions' }, remove),
    );
  }

  function subscriberForm() {
    const subscriberName = h('input', {
      id: 'subscriber-name',
      required: true,
      spellcheck: 'false',
      maxlength: 255,
    });
    const url = h('input', {
      id: 'subscriber-url',
      required: true,
      spellcheck: 'false',
      placeholder: 'https://example.com/hook or ironmq:///queue',
    });
    const headers = h('input', {
      id: 'subscriber-headers',
      spellcheck: 'false',
      placeholder: '{"Authorization": "…"}',
    });
    const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save subscriber');
    const form = h(
      'form',
      { id: 'subscriber-form', class: 'sub-form' },
      h('h3', null, 'Add or update a subscriber'),
      h('div', { class: 'field' }, h('label', { for: 'subscriber-name' }, 'Name'), subscriberName),
      h('div', { class: 'field' }, h('label', { for: 'subscriber-url' }, 'URL'), url),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'subscriber-headers' }, 'Headers (JSON object, optional)'),
        headers,
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('p', { class: 'muted meta' }, 'A subscriber with the same name is replaced.'),
        save,
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      let parsed;
      try {
        parsed = headers.value.trim() === '' ? undefined : JSON.parse(headers.value);
        if (
          parsed !== undefined &&
          (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        ) {
          throw new Error('not an object');
        }
      } catch {
        error.textContent = 'Headers must be a JSON object, such as {"Authorization": "Bearer …"}.';
        error.hidden = false;
        headers.focus();
        return;
      }
      const subscriber = { name: subscriberName.value.trim(), url: url.value.trim() };
      if (parsed) subscriber.headers = parsed;
      void change(
        save,
        'Saving…',
        () => api.addSubscribers(name, [subscriber]),
        `Saved subscriber ${subscriber.name}.`,
      );
    });
    return form;
  }

  function settingsForm(push) {
    const retries = h('input', {
      id: 'push-retries',
      type: 'number',
      min: 0,
      max: 100,
      step: 1,
      value: push.retries ?? 3,
    });
    const delay = h('input', {
      id: 'push-retries-delay',
      type: 'number',
      min: 3,
      max: 86400,
      step: 1,
      value: push.retries_delay ?? 60,
    });
    const errorQueue = h('input', {
      id: 'push-error-queue',
      spellcheck: 'false',
      placeholder: 'none',
      value: push.error_queue ?? '',
    });
    const save = h('button', { type: 'submit', class: 'btn' }, 'Save delivery settings');
    const form = h(
      'form',
      { id: 'push-settings-form', class: 'sub-form' },
      h('h3', null, 'Delivery'),
      h(
        'div',
        { class: 'fields-2' },
        h('div', { class: 'field' }, h('label', { for: 'push-retries' }, 'Retries'), retries),
        h('div', { class: 'field' }, h('label', { for: 'push-retries-delay' }, 'Retry delay (s)'), delay),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'push-error-queue' }, 'Error queue (empty: none)'),
        errorQueue,
      ),
      h('div', { class: 'form-actions' }, h('span'), save),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const settings = {
        retries: Number(retries.value),
        retries_delay: Number(delay.value),
        error_queue: errorQueue.value.trim(),
      };
      void change(
        save,
        'Saving…',
        () => api.updateQueue(name, { push: settings }),
        'Delivery settings saved.',
      );
    });
    return form;
  }

  draw(initial);
  return root;
}

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
