import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  port: number;
  connections: number;
  seconds: number;
  /** The sequence each connection plays in a loop. */
  requests: autocannon.Request[];
  headers?: Record<string, string>;
}

export interface LoadResult {
  seconds: number;
  /** 2xx answers, and their latencies in ms (sub-millisecond precision), per request of the sequence. */
  byRequest: { ok: number; latencies: number[] }[];
  /** Non-2xx answers, socket errors and timeouts. */
  failures: number;
  firstFailure: string | null;
}

/**
 * One closed-loop load run with autocannon, in this process: `connections` keep-alive connections, each sending
 * its next request as soon as the previous one is answered. Latencies are taken from autocannon's per-response
 * event, which carries them in ms with sub-ms precision (its own histogram keeps whole ms only).
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const byRequest = options.requests.map(() => ({ ok: 0, latencies: [] as number[] }));
  let failures = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${options.port}`,
        connections: options.connections,
        duration: options.seconds,
        // autocannon checks for the end of a run on this tick (default 1 s): 0.5 s runs would last 1 s.
        sampleInt: 100,
        timeout: 60,
        headers: options.headers ?? {},
        requests: options.requests,
      },
      (error) => {
        if (error) {
          reject(error);
          return;
        }
        resolve({ seconds: (performance.now() - started) / 1000, byRequest, failures, firstFailure });
      },
    );
    instance.on('response', (client, status, _bytes, ms) => {
      const slot = byRequest[client.requestIterator.currentRequestIndex];
      if (status >= 200 && status < 300 && slot) {
        slot.ok++;
        slot.latencies.push(ms);
      } else {
        failures++;
        firstFailure ??= `HTTP ${status} on request ${client.requestIterator.currentRequestIndex}`;
      }
    });
    instance.on('reqError', (error) => {
      failures++;
      firstFailure ??= error.message;
    });
  });
}
