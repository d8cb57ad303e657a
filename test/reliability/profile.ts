/**
 * The two profiles of the reliability suites. The fast one runs inside `npm test` and keeps each file to a few
 * seconds on a loaded two-core machine; `npm run test:reliability` sets FERRITE_RELIABILITY=long and runs the
 * long one (minutes), whose figures go to the closing note of a reliability change.
 */
export const LONG = process.env.FERRITE_RELIABILITY === 'long';

export const PROFILE = LONG
  ? {
      name: 'long',
      /** Crash suite: server processes killed with SIGKILL and restarted on the same file. */
      kills: 30,
      /** Real time of traffic before each kill, ms (drawn uniformly). */
      trafficMs: [300, 2500] as const,
      /** Exclusivity suite: rounds of concurrent reservers, and their count. */
      exclusivityRounds: 12,
      reservers: 30,
      exclusivityMessages: 1000,
      /** Reserves per reserver per round (half of it for n=100), and stale ids replayed after each round. */
      reserverIterations: 8,
      staleSample: 60,
      /** Hostile-input fuzzer: generated requests per property. */
      fuzzRuns: 10_000,
      jestTimeoutMs: 30 * 60_000,
    }
  : {
      name: 'fast',
      kills: 2,
      trafficMs: [200, 450] as const,
      exclusivityRounds: 3,
      reservers: 12,
      exclusivityMessages: 200,
      reserverIterations: 4,
      staleSample: 10,
      fuzzRuns: 150,
      jestTimeoutMs: 20_000,
    };

/** Prints one line of figures for the closing note (and keeps it visible in the jest output). */
export function report(suite: string, figures: Record<string, number | string>): void {
  const line = Object.entries(figures)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  process.stdout.write(`[reliability:${PROFILE.name}] ${suite}: ${line}\n`);
}
