import { h, setText, whileBusy } from '../dom.js';
import { formatDuration, formatTime } from '../format.js';

/**
 * What the queue page's parts share: the API, the queue's name and its last known state, and the page's ways
 * of showing outcomes.
 *
 * @typedef {object} QueuePage
 * @property {object} api
 * @property {string} name
 * @property {object | null} queue the last queue info read, null before the first
 * @property {object} connection
 * @property {(message: string, kind?: string) => void} notify
 * @property {(queue: object) => void} showQueue shows fresh queue info (after a change)
 * @property {(errorElement: HTMLElement, failure: unknown) => void} showFailure a refused request's message
 * @property {() => void} showMissing the queue is gone
 * @property {() => Promise<unknown>} changed re-reads the numbers and the messages after a change
 */

/**
 * The settings a queue page can change: message timeout, message expiration and the dead-letter target, saved
 * with PATCH. A refused change shows the server's message above the fields.
 *
 * @param {QueuePage} page
 */
export function settingsForm(page) {
  const { api, name, notify } = page;
  const field = (id, label, input, help) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      input,
      help ? h('p', { class: 'help', id: `${id}-help` }, help) : null,
    );
  const timeout = h('input', { id: 'message-timeout', type: 'number', min: 1, step: 1, required: true });
  const expiration = h('input', {
    id: 'message-expiration',
    type: 'number',
    min: 1,
    step: 1,
    required: true,
  });
  const deadLetter = h('input', { id: 'dead-letter-queue', spellcheck: 'false', placeholder: 'none' });
  const maxReservations = h('input', {
    id: 'dead-letter-max',
    type: 'number',
    min: 1,
    step: 1,
    placeholder: '10',
  });
  const timeoutHelp = h('span');
  const expirationHelp = h('span');
  const meta = h('p', { class: 'muted meta' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save settings');
  const element = h(
    'form',
    { class: 'card', id: 'settings-form' },
    h('h2', null, 'Settings'),
    error,
    h(
      'div',
      { class: 'fields-2' },
      field('message-timeout', 'Message timeout (s)', timeout, timeoutHelp),
      field('message-expiration', 'Message expiration (s)', expiration, expirationHelp),
      field('dead-letter-queue', 'Dead-letter queue', deadLetter, 'Empty: none'),
      field('dead-letter-max', 'Max reservations', maxReservations, 'Before a message moves there'),
    ),
    h('div', { class: 'form-actions' }, meta, save),
  );

  const describe = () => {
    setText(timeoutHelp, formatDuration(Number(timeout.value)));
    setText(expirationHelp, formatDuration(Number(expiration.value)));
  };
  timeout.addEventListener('input', describe);
  expiration.addEventListener('input', describe);

  function fill(q) {
    timeout.value = String(q.message_timeout);
    expiration.value = String(q.message_expiration);
    deadLetter.value = q.dead_letter?.queue_name ?? '';
    maxReservations.value = q.dead_letter ? String(q.dead_letter.max_reservations) : '';
    setText(meta, `Created ${formatTime(q.created_at)} · updated ${formatTime(q.updated_at)}`);
    describe();
  }

  element.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    const target = deadLetter.value.trim();
    const change = {
      message_timeout: Number(timeout.value),
      message_expiration: Number(expiration.value),
      dead_letter:
        target === '' ? null : { queue_name: target, max_reservations: Number(maxReservations.value) || 0 },
    };
    void whileBusy(save, 'Saving…', async () => {
      try {
        const updated = await api.updateQueue(name, change);
        fill(updated);
        page.showQueue(updated);
        notify('Settings saved.', 'success');
      } catch (failure) {
        page.showFailure(error, failure);
      }
    });
  });
  return { element, fill };
}

/**
 * Posts one message (with an optional delay), then refreshes the numbers and the peeked messages.
 *
 * @param {QueuePage} page
 */
export function postForm(page) {
  const { api, name, notify } = page;
  const body = h('textarea', { id: 'message-body', rows: 4, required: true, placeholder: 'Message body' });
  const delay = h('input', { id: 'message-delay', type: 'number', min: 0, step: 1, value: 0 });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h(
    'button',
    { type: 'submit', class: 'btn btn-primary', id: 'post-message' },
    'Post message',
  );
  const element = h(
    'form',
    { class: 'card card-column', id: 'post-form' },
    h('h2', null, 'Post a message'),
    error,
    h('div', { class: 'field field-fill' }, h('label', { for: 'message-body' }, 'Body'), body),
    h(
      'div',
      { class: 'form-actions' },
      h('div', { class: 'field field-inline' }, h('label', { for: 'message-delay' }, 'Delay (s)'), delay),
      submit,
    ),
  );
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    void whileBusy(submit, 'Posting…', async () => {
      try {
        const [id] = await api.postMessages(name, [{ body: body.value, delay: Number(delay.value) || 0 }]);
        body.value = '';
        notify(`Posted message ${id}.`, 'success');
        await page.changed();
      } catch (failure) {
        page.showFailure(error, failure);
      }
    });
  });
  return { element };
}
