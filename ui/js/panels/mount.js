import { h, replace } from '../dom.js';

/**
 * @typedef {object} Panel
 * @property {string} id used as the section's id (`panel-<id>`)
 * @property {string} title
 * @property {(context: object) => Promise<Node | null>} load the panel's content, or null when it does not
 *   apply (a pull queue has no subscribers); an ApiError 400/404/405 from its API (not there yet) also hides it
 */

/**
 * Adds one section per panel to `container`, each hidden until its content arrives. A panel for an API this
 * server does not have yet stays hidden, so panels can ship before or after the routes they call.
 *
 * @param {HTMLElement} container
 * @param {Panel[]} panels
 * @param {object} context passed to each panel's load(): `api`, `connection`, `notify`, and for queue panels `queue`
 * @returns {() => void} stops updates from loads still in flight
 */
export function mountPanels(container, panels, context) {
  let live = true;
  const sections = panels.map((panel) => {
    const body = h('div', { class: 'panel-body' });
    const section = h(
      'section',
      { class: 'card panel', id: `panel-${panel.id}`, hidden: true },
      h('h2', null, panel.title),
      body,
    );
    panel.load(context).then(
      (content) => {
        if (!live || !content) return;
        replace(body, content);
        section.hidden = false;
      },
      (error) => {
        if (!live || error?.isUnsupported) return;
        if (context.connection?.failed(error)) return;
        replace(body, h('p', { class: 'form-error' }, `Could not load: ${error?.message ?? error}`));
        section.hidden = false;
      },
    );
    return section;
  });
  replace(container, sections);
  return () => {
    live = false;
  };
}
