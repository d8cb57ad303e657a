/** Where a progress bar is drawn. */
export interface ProgressSink {
  /** True for a terminal: the bar is redrawn in place with `\r`. Otherwise a line is written every 10%. */
  readonly interactive: boolean;
  /** Writes text as it is (no newline added). */
  write(text: string): void;
}

const BAR_WIDTH = 30;
/** Non-interactive output (CI logs, files) gets a line per tenth, not one per batch. */
const LINE_STEPS = 10;

/** A progress bar of `total` items, e.g. `[##########..........]  33%  300/900 messages`. */
export class ProgressBar {
  private lastStep = -1;

  constructor(
    private readonly sink: ProgressSink,
    private readonly total: number,
    private readonly unit: string,
    /** How amounts are written (e.g. bytes as MiB); default as they are. */
    private readonly format: (amount: number) => string = String,
  ) {}

  update(done: number): void {
    const fraction = this.total === 0 ? 1 : Math.min(done / this.total, 1);
    if (this.sink.interactive) {
      this.sink.write(`\r${this.render(done, fraction)}`);
      return;
    }
    const step = Math.floor(fraction * LINE_STEPS);
    if (step > this.lastStep) {
      this.lastStep = step;
      this.sink.write(`${this.render(done, fraction)}\n`);
    }
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.sink.interactive) this.sink.write('\n');
  }

  private render(done: number, fraction: number): string {
    const filled = Math.round(fraction * BAR_WIDTH);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}  ${this.format(done)}/${this.format(this.total)} ${this.unit}`;
  }
}
