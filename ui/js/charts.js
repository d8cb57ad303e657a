/**
 * Charts drawn as plain SVG: a line chart with axes, a legend and a tooltip per bucket, and a sparkline. No
 * library: two small shapes did not justify one, and SVG elements with classes keep the page's
 * Content-Security-Policy at 'self' with no inline styles. Colours come from the stylesheet (`.series-*`).
 */

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value !== undefined && value !== null) element.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const counts = new Intl.NumberFormat('en-US');

/** A round axis maximum at or above `value`: 1, 2, 5 × a power of ten. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * @typedef {object} Series
 * @property {string} name shown in the legend and tooltips
 * @property {string} key a short id: the path gets `series-<key>` as class and `data-series`
 * @property {(number | null)[]} values one per bucket; null draws a gap
 * @property {boolean} [area] fill under the line
 */

/**
 * A line chart over `times` (ms, one per bucket). The container scales it to its width (viewBox).
 *
 * @param {{ times: number[], series: Series[], label: (time: number) => string, title: string, height?: number }} options
 * @returns {SVGSVGElement}
 */
export function lineChart({ times, series, label, title, height = 160 }) {
  const width = 640;
  const pad = { top: 10, right: 12, bottom: 22, left: 44 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const n = times.length;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null))));
  const x = (i) => pad.left + (n <= 1 ? plotWidth : (i / (n - 1)) * plotWidth);
  const y = (v) => pad.top + plotHeight - (v / max) * plotHeight;

  const grid = [0, 0.5, 1].map((f) =>
    svg(
      'g',
      { class: 'chart-grid' },
      svg('line', { x1: pad.left, x2: width - pad.right, y1: y(max * f), y2: y(max * f) }),
      svg('text', { x: pad.left - 6, y: y(max * f) + 4, 'text-anchor': 'end' }, counts.format(max * f)),
    ),
  );
  const axis = svg(
    'g',
    { class: 'chart-axis' },
    svg('text', { x: pad.left, y: height - 6, 'text-anchor': 'start' }, n ? label(times[0]) : ''),
    svg('text', { x: width - pad.right, y: height - 6, 'text-anchor': 'end' }, n ? label(times[n - 1]) : ''),
  );
  const lines = series.map((s) => {
    const path = pathOf(s.values, x, y);
    const group = svg('g', { class: `chart-series series-${s.key}`, 'data-series': s.key });
    if (s.area && path) {
      const closed = `${path} L${x(lastIndex(s.values))},${y(0)} L${x(firstIndex(s.values))},${y(0)} Z`;
      group.append(svg('path', { class: 'chart-area', d: closed }));
    }
    group.append(svg('path', { class: 'chart-line', d: path || 'M0,0' }));
    return group;
  });
  // One transparent column per bucket: hovering it shows every series' value at that time.
  const slot = n <= 1 ? plotWidth : plotWidth / (n - 1);
  const hover = times.map((time, i) =>
    svg(
      'rect',
      {
        class: 'chart-hover',
        x: x(i) - slot / 2,
        y: pad.top,
        width: slot,
        height: plotHeight,
        'data-index': i,
      },
      svg(
        'title',
        null,
        [
          label(time),
          ...series.map((s) => `${s.name}: ${s.values[i] === null ? '—' : counts.format(s.values[i])}`),
        ].join('\n'),
      ),
    ),
  );
  return svg(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': title,
      'data-max': max,
    },
    svg('title', null, title),
    grid,
    axis,
    lines,
    hover,
  );
}

/** A legend for `series`, as HTML (swatches coloured by the same classes). */
export function legend(series, h) {
  return h(
    'ul',
    { class: 'chart-legend' },
    series.map((s) => h('li', { class: `series-${s.key}` }, h('span', { class: 'swatch' }), s.name)),
  );
}

/**
 * A small line without axes: one or two series over the same buckets, scaled together.
 *
 * @param {Series[]} series
 * @param {string} title the accessible description
 */
export function sparkline(series, title) {
  const width = 120;
  const height = 24;
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const x = (i) => (n <= 1 ? width : (i / (n - 1)) * (width - 2) + 1);
  const y = (v) => height - 2 - (v / max) * (height - 4);
  return svg(
    'svg',
    {
      class: 'sparkline',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': title,
      'data-max': max,
    },
    svg('title', null, title),
    series.map((s) =>
      svg('path', {
        class: `chart-line series-${s.key}`,
        'data-series': s.key,
        d: pathOf(s.values, x, y) || 'M0,0',
      }),
    ),
  );
}

/** An SVG path through the values, broken where a value is null. */
function pathOf(values, x, y) {
  let d = '';
  let pen = false;
  values.forEach((value, i) => {
    if (value === null || value === undefined) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${round(x(i))},${round(y(value))} `;
    pen = true;
  });
  return d.trim();
}

function firstIndex(values) {
  return values.findIndex((v) => v !== null);
}

function lastIndex(values) {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return i;
  return -1;
}

function round(n) {
  return Math.round(n * 10) / 10;
}
