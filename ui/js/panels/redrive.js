import { ApiError } from '../api.js';
import { h, replace, whileBusy } from '../dom.js';
import { formatCount } from '../format.js';

/**
 * A dead-letter queue's redrive: where its messages came from (GET …/redrive), and a button that moves them
 * back — all or the first N, to where each came from or to a queue named here — after a confirmation
 * (POST …/redrive). Hidden on queues that no queue sends dead letters to and that hold none.
 *
 * @type {import('./mount.js').Panel}
 */
export const redrivePanel = {
  id: 'redrive',
  title: 'Dead letters',
  async load(context) {
    const { api, queue } = context;
    if (queue.type && queue.type !== 'pull') return null;
    const sources = await api.redriveSources(queue.name);
    if (sources.sources.length === 0 && !sources.messages.some((m) => m.from !== null)) return null;
    return redriveEditor(context, sources);
  },
};

function describeOrigins(messages) {
  if (messages.length === 0) return 'No dead letter to move right now.';
  const total = messages.reduce((sum, m) => sum + m.count, 0);
  const parts = messages.map((m) => `${m.from ?? 'not known'}: ${formatCount(m.count)}`);
  return `${formatCount(total)} message${total === 1 ? '' : 's'} can move (${parts.join(', ')}).`;
}

function redriveEditor({ api, queue, connection, notify }, initial) {
  const name = queue.name;
  const root = h('div', { class: 'redrive-editor' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const summary = h('p', { id: 'redrive-summary' });
  const sources = h('p', { class: 'muted', id: 'redrive-sources' });
  const count = h('input', { id: 'redrive-count', type: 'number', min: 1, step: 1, placeholder: 'all' });
  const target = h('input', { id: 'redrive-to', spellcheck: 'false', placeholder: 'where each came from' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'redrive-submit' }, 'Redrive');
  const form = h(
    'form',
    { id: 'redrive-form', class: 'sub-form' },
    h(
      'div',
      { class: 'fields-2' },
      h('div', { class: 'field' }, h('label', { for: 'redrive-count' }, 'How many (oldest first)'), count),
      h('div', { class: 'field' }, h('label', { for: 'redrive-to' }, 'To queue'), target),
    ),
    h(
      'div',
      { class: 'form-actions' },
      h('p', { class: 'muted meta' }, 'Each message arrives available at once, its reservation count reset.'),
      submit,
    ),
  );
  let current = initial;

  function draw() {
    sources.textContent =
      current.sources.length === 0
        ? 'No queue sends its dead letters here.'
        : `Dead-letter queue of: ${current.sources.join(', ')}.`;
    summary.textContent = describeOrigins(current.messages);
    submit.disabled = current.messages.length === 0;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    const n = Number(count.value) || 0;
    const to = target.value.trim();
    const total = current.messages.reduce((sum, m) => sum + m.count, 0);
    const what = n > 0 ? `the oldest ${formatCount(Math.min(n, total))}` : `all ${formatCount(total)}`;
    const where = to ? `to “${to}”` : 'back to the queue each came from';
    if (!window.confirm(`Move ${what} dead letters of “${name}” ${where}?`)) return;
    void whileBusy(submit, 'Moving…', async () => {
      try {
        const result = await api.redrive(name, { n, to });
        const into = Object.entries(result.queues)
          .map(([queueName, moved]) => `${moved} to ${queueName}`)
          .join(', ');
        notify(`${result.msg}${into ? ` (${into})` : ''}; ${result.left} left.`, 'success');
        current = await api.redriveSources(name);
      } catch (failure) {
        if (connection?.failed(failure)) return;
        error.textContent =
          failure instanceof ApiError ? `${failure.status}: ${failure.message}` : String(failure);
        error.hidden = false;
      }
      // Drawn once the button is itself again: with nothing left to move, it stays disabled.
    }).then(draw);
  });

  draw();
  replace(root, sources, summary, error, form);
  return root;
}
