/**
 * Live in/out rates from successive samples of a queue's `total_messages` and `size`. Messages in is the growth
 * of total_messages; messages out is what left the queue meanwhile (deleted, expired, dead-lettered, cleared):
 * posted − growth of size.
 */
export class RateTracker {
  /** @type {Map<string, { at: number, total: number, size: number, rate: Rate | null }>} */
  #samples = new Map();

  /**
   * Records a sample per queue taken at `at` (ms, monotonic) and returns the rates by queue name; a queue's
   * rate is null until it has two samples.
   *
   * @param {{ name: string, total_messages: number, size: number }[]} queues
   * @param {number} at
   * @returns {Map<string, Rate | null>}
   */
  update(queues, at) {
    const rates = new Map();
    for (const queue of queues) {
      const previous = this.#samples.get(queue.name);
      let rate = previous?.rate ?? null;
      if (previous && at > previous.at) rate = rateBetween(previous, queue, at);
      this.#samples.set(queue.name, { at, total: queue.total_messages, size: queue.size, rate });
      rates.set(queue.name, rate);
    }
    return rates;
  }

  /** The last rate computed for a queue, or null. */
  get(name) {
    return this.#samples.get(name)?.rate ?? null;
  }
}

/**
 * @typedef {{ inPerSecond: number, outPerSecond: number }} Rate
 */

/** @returns {Rate | null} null when the counters went backwards (the queue was deleted and made again). */
export function rateBetween(previous, queue, at) {
  const seconds = (at - previous.at) / 1000;
  const posted = queue.total_messages - previous.total;
  if (posted < 0) return null;
  const removed = Math.max(0, posted - (queue.size - previous.size));
  return { inPerSecond: posted / seconds, outPerSecond: removed / seconds };
}
