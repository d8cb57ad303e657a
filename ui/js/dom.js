/**
 * A tiny element builder. Text always goes in as text nodes, never as HTML, so queue names and message bodies
 * cannot inject markup.
 *
 * @param {string} tag
 * @param {Record<string, unknown> | null} [props] `class`, `on<event>` listeners, `hidden`/`disabled`/…
 *   booleans, `value`; anything else becomes an attribute
 * @param {...unknown} children strings, numbers, nodes, arrays of them; null and false are skipped
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = String(value);
    else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'value') element.value = String(value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces all of `parent`'s content. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** Sets text only when it changed, so polling does not disturb selection or screen readers. */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** A short-lived message in the corner: `kind` is info, success or error. */
export function notify(message, kind = 'info') {
  const container = document.getElementById('toasts');
  if (!container) return;
  const toast = h('div', { class: `toast toast-${kind}` }, message);
  container.append(toast);
  setTimeout(() => toast.remove(), kind === 'error' ? 8000 : 4000);
}

/** An empty or error state: a title, a line of help, and optional actions. */
export function emptyState({ title, text, actions = [], kind = 'empty' }) {
  return h(
    'div',
    { class: `state state-${kind}`, role: kind === 'error' ? 'alert' : null },
    h('p', { class: 'state-title' }, title),
    text ? h('p', { class: 'state-text' }, text) : null,
    actions.length > 0 ? h('div', { class: 'state-actions' }, actions) : null,
  );
}

/** Runs `action` with `button` disabled and showing `busyLabel`, then restores it. */
export async function whileBusy(button, busyLabel, action) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}
