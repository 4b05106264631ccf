import type { Tally } from './result.js';

/**
 * The live progress line, about once a second: on a terminal it rewrites
 * itself in place; elsewhere (a CI log) it is a new line each time.
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = performance.now();
  private lastCompleted = 0;
  private lastAt = this.startedAt;

  constructor(
    private readonly tally: Tally,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  /** A line about the setup, before the run starts. */
  note(line: string): void {
    this.out.write(`${line}\n`);
  }

  /** Draws the last line; later calls do nothing. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.draw();
    if (this.out.isTTY) this.out.write('\n');
  }

  private draw(): void {
    const now = performance.now();
    const { sent, completed, failed, all } = this.tally;
    const rate = ((completed - this.lastCompleted) * 1000) / Math.max(1, now - this.lastAt);
    this.lastCompleted = completed;
    this.lastAt = now;
    const line =
      `${((now - this.startedAt) / 1000).toFixed(0).padStart(4)}s  sent ${sent}  done ${completed}` +
      `  ${rate.toFixed(0)}/s  p50 ${all.percentile(50).toFixed(1)} ms  p99 ${all.percentile(99).toFixed(1)} ms` +
      `  errors ${failed}`;
    this.out.write(this.out.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
  }
}
