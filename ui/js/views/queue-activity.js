import { ApiError } from '../api.js';
import { h, replace, setText } from '../dom.js';
import { formatCount } from '../format.js';
import { legend, lineChart } from '../charts.js';

/** Stats change once a minute per bucket; a short refresh still shows a new message's count soon. */
export const ACTIVITY_REFRESH_MS = 5000;

const PERIODS = [
  ['hour', 'Last hour'],
  ['day', 'Last day'],
];

const pad = (n) => String(n).padStart(2, '0');

/** "14:05" for the hour (local time), "Tue 14:00" for the day. */
function timeLabel(period) {
  return (ms) => {
    const date = new Date(ms);
    const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
    return period === 'hour' ? hm : `${date.toLocaleDateString('en-US', { weekday: 'short' })} ${hm}`;
  };
}

/** Messages that left the queue in a bucket: deleted, expired or moved to the dead-letter queue. */
export function outOf(bucket) {
  return bucket.deleted + bucket.expired + bucket.dead_lettered;
}

/**
 * A queue's activity over time (GET …/stats): its size, and messages in (posted) and out (deleted, expired,
 * dead-lettered) with reservations, over the last hour by minute or the last day by ten minutes. Hidden when the
 * server has no stats route.
 *
 * @param {{ api: object, name: string, connection: object }} page
 */
export function activitySection({ api, name, connection }) {
  let period = 'hour';
  let stopped = false;
  let inFlight = false;
  const buttons = PERIODS.map(([value, text]) => {
    const button = h('button', { type: 'button', class: 'tab', 'data-period': value }, text);
    button.addEventListener('click', () => {
      period = value;
      void refresh();
    });
    return button;
  });
  const totals = h('p', { class: 'muted', id: 'activity-totals' });
  const sizeChart = h('div', { class: 'chart-box', id: 'chart-size' });
  const flowChart = h('div', { class: 'chart-box', id: 'chart-flow' });
  const element = h(
    'section',
    { class: 'card', id: 'activity', hidden: true },
    h(
      'div',
      { class: 'card-head card-head-flat' },
      h('div', null, h('h2', null, 'Activity'), totals),
      h('div', { class: 'tabs', role: 'group', 'aria-label': 'Period' }, buttons),
    ),
    h(
      'div',
      { class: 'grid-2 charts' },
      h('div', null, h('h3', null, 'Size'), sizeChart),
      h('div', null, h('h3', null, 'In / out'), flowChart),
    ),
  );

  async function refresh() {
    if (stopped || inFlight) return;
    inFlight = true;
    try {
      const stats = await api.queueStats(name, period);
      if (stopped) return;
      draw(stats[period]);
      element.hidden = false;
    } catch (failure) {
      // A bug here must show, not hide the section: only the server's refusals are handled.
      if (!(failure instanceof ApiError)) throw failure;
      if (failure.isUnsupported) element.hidden = true;
      else connection.failed(failure);
    } finally {
      inFlight = false;
    }
  }

  function draw(series) {
    for (const button of buttons)
      button.setAttribute('aria-pressed', String(button.dataset.period === period));
    const buckets = series.buckets;
    const times = buckets.map((b) => Date.parse(b.start));
    const label = timeLabel(period);
    const sizes = [{ name: 'Size', key: 'size', values: buckets.map((b) => b.size), area: true }];
    const flows = [
      { name: 'In', key: 'in', values: buckets.map((b) => b.posted) },
      { name: 'Out', key: 'out', values: buckets.map(outOf) },
      { name: 'Reserved', key: 'reserved', values: buckets.map((b) => b.reserved) },
    ];
    replace(
      sizeChart,
      lineChart({ times, series: sizes, label, title: `Size of ${name}` }),
      legend(sizes, h),
    );
    replace(
      flowChart,
      lineChart({ times, series: flows, label, title: `Messages in and out of ${name}` }),
      legend(flows, h),
    );
    const sum = (pick) => buckets.reduce((total, b) => total + pick(b), 0);
    setText(
      totals,
      `${period === 'hour' ? 'Last hour, by minute' : 'Last day, by ten minutes'}: ` +
        `${formatCount(sum((b) => b.posted))} in, ${formatCount(sum(outOf))} out, ` +
        `${formatCount(sum((b) => b.reserved))} reserved, ${formatCount(sum((b) => b.dead_lettered))} dead-lettered.`,
    );
  }

  return {
    element,
    refresh,
    stop() {
      stopped = true;
    },
  };
}
