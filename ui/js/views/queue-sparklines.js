import { ApiError } from '../api.js';
import { sparkline } from '../charts.js';
import { replace } from '../dom.js';
import { outOf } from './queue-activity.js';

/** Minute buckets: a queue's line is read again at most this often. */
const STALE_MS = 30_000;

/**
 * The queue list's activity lines: messages in and out per minute over the last hour, one small chart per row,
 * each read with GET …/stats?period=hour when its row is shown and again when it is older than STALE_MS, one
 * request at a time (a page of 100 queues asks for at most 100 small answers a minute). A server without the
 * stats route leaves the cells empty.
 *
 * @param {object} api
 */
export function createSparklines(api) {
  /** @type {Map<string, { at: number, svg: SVGElement | null }>} */
  const drawn = new Map();
  let queue = [];
  let running = false;
  let unsupported = false;

  /** Brings the lines of these rows up to date (`cells`: queue name → its table cell). */
  function update(cells) {
    if (unsupported) return;
    const now = performance.now();
    for (const [name, cell] of cells) {
      const known = drawn.get(name);
      if (known?.svg && cell.firstChild !== known.svg) replace(cell, known.svg);
      if (!known || now - known.at > STALE_MS) queue.push([name, cell]);
    }
    void drain();
  }

  async function drain() {
    if (running) return;
    running = true;
    try {
      while (queue.length > 0) {
        const [name, cell] = queue.shift();
        const known = drawn.get(name);
        if (known && performance.now() - known.at <= STALE_MS) continue;
        try {
          const { hour } = await api.queueStats(name, 'hour');
          const buckets = hour.buckets;
          const svg = sparkline(
            [
              { name: 'In', key: 'in', values: buckets.map((b) => b.posted) },
              { name: 'Out', key: 'out', values: buckets.map(outOf) },
            ],
            `${name}: messages in and out per minute, last hour`,
          );
          drawn.set(name, { at: performance.now(), svg });
          if (cell.isConnected) replace(cell, svg);
        } catch (failure) {
          if (!(failure instanceof ApiError)) throw failure;
          if (failure.status === 400 || failure.status === 405) {
            unsupported = true;
            queue = [];
          }
          drawn.set(name, { at: performance.now(), svg: drawn.get(name)?.svg ?? null });
        }
      }
    } finally {
      running = false;
    }
  }

  return { update };
}
