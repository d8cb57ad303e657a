import { ApiError } from '../api.js';
import { h, replace, whileBusy } from '../dom.js';

/**
 * A pull queue's alerts (IronMQ v3: type fixed/progressive, trigger, direction, the queue notified, snooze),
 * editable: add one (POST …/alerts) or delete one (DELETE …/alerts/{id}, after a confirmation). Push queues take
 * no alerts, so the panel stays hidden on them.
 *
 * @type {import('./mount.js').Panel}
 */
export const alertsPanel = {
  id: 'alerts',
  title: 'Alerts',
  load(context) {
    const { queue } = context;
    if (queue.type && queue.type !== 'pull') return Promise.resolve(null);
    return Promise.resolve(alertsEditor(context));
  },
};

/** The panel's content, redrawn from the queue the server answers after each change. */
function alertsEditor({ api, queue: initial, connection, notify }) {
  const name = initial.name;
  const root = h('div', { class: 'alerts-editor' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });

  async function change(button, busyLabel, action, done) {
    error.hidden = true;
    await whileBusy(button, busyLabel, async () => {
      try {
        const queue = await action();
        notify(done, 'success');
        draw(queue ?? (await api.getQueue(name)));
      } catch (failure) {
        if (connection?.failed(failure)) return;
        error.textContent =
          failure instanceof ApiError ? `${failure.status}: ${failure.message}` : String(failure);
        error.hidden = false;
      }
    });
  }

  function draw(queue) {
    const alerts = Array.isArray(queue.alerts) ? queue.alerts : [];
    replace(
      root,
      error,
      alerts.length === 0
        ? h(
            'p',
            { class: 'muted', id: 'no-alerts' },
            'No alerts. Add one to be told when this queue grows or shrinks.',
          )
        : h(
            'table',
            { class: 'table alert-table' },
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
                h('th'),
              ),
            ),
            h('tbody', null, alerts.map(alertRow)),
          ),
      alertForm(),
    );
  }

  function alertRow(alert) {
    const remove = h(
      'button',
      { type: 'button', class: 'btn btn-small btn-danger-outline alert-delete' },
      'Delete',
    );
    remove.addEventListener('click', () => {
      const question = `Delete the ${alert.type} alert at ${alert.trigger} (${alert.direction}) of “${name}”?`;
      if (!window.confirm(question)) return;
      void change(
        remove,
        'Deleting…',
        async () => {
          await api.deleteAlert(name, alert.id);
          return null;
        },
        'Alert deleted.',
      );
    });
    return h(
      'tr',
      { 'data-alert': alert.id },
      h('td', null, alert.type ?? '—'),
      h('td', { class: 'num' }, String(alert.trigger ?? '—')),
      h('td', null, alert.direction ?? '—'),
      h('td', null, alert.queue ?? '—'),
      h('td', { class: 'num' }, alert.snooze ? `${alert.snooze} s` : '—'),
      h('td', { class: 'row-actions' }, remove),
    );
  }

  function alertForm() {
    const select = (id, options) =>
      h(
        'select',
        { id },
        options.map(([value, label]) => h('option', { value }, label)),
      );
    const type = select('alert-type', [
      ['fixed', 'fixed: once per crossing'],
      ['progressive', 'progressive: every multiple'],
    ]);
    const direction = select('alert-direction', [
      ['asc', 'asc: growing'],
      ['desc', 'desc: shrinking'],
    ]);
    const trigger = h('input', { id: 'alert-trigger', type: 'number', min: 1, step: 1, required: true });
    const target = h('input', { id: 'alert-queue', required: true, spellcheck: 'false', maxlength: 255 });
    const snooze = h('input', { id: 'alert-snooze', type: 'number', min: 0, step: 1, placeholder: '0' });
    const add = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add alert');
    const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
    const form = h(
      'form',
      { id: 'alert-form', class: 'sub-form' },
      h('h3', null, 'Add an alert'),
      h(
        'div',
        { class: 'fields-5' },
        field('alert-type', 'Type', type),
        field('alert-direction', 'Direction', direction),
        field('alert-trigger', 'Trigger (size)', trigger),
        field('alert-queue', 'Post to queue', target),
        field('alert-snooze', 'Snooze (s)', snooze),
      ),
      h(
        'div',
        { class: 'form-actions' },
        h(
          'p',
          { class: 'muted meta' },
          'The alert posts a message to that queue when the size crosses the trigger.',
        ),
        add,
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const alert = {
        type: type.value,
        direction: direction.value,
        trigger: Number(trigger.value),
        queue: target.value.trim(),
      };
      if (snooze.value !== '') alert.snooze = Number(snooze.value);
      void change(add, 'Adding…', () => api.addAlerts(name, [alert]), 'Alert added.');
    });
    return form;
  }

  draw(initial);
  return root;
}
