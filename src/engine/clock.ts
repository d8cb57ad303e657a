/** The only source of time in Ferrite. Everything else receives `now` (ms since the epoch) from a Clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = {
  // The one permitted call: this is the clock.
  // eslint-disable-next-line no-restricted-syntax
  now: () => Date.now(),
};

/** A clock for tests: time moves only when told to. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
