/**
 * Bounded concurrency with progress on stderr: a phase runs `count` tasks, at
 * most `concurrency` at a time, in index order (so a reply's parent has always
 * been started before the reply), and reports its rate and ETA as it goes.
 */
import { performance } from 'node:perf_hooks';

export interface PhaseResult {
  name: string;
  count: number;
  seconds: number;
}

export interface PhaseOptions {
  concurrency: number;
  /** Where progress lines go; silent without. */
  progress?: NodeJS.WritableStream | undefined;
  /**
   * Every this many tasks the phase lets the tasks in flight finish and awaits
   * `checkpoint` (the notification work they started in the background), so
   * background work cannot pile up without bound during a long phase.
   */
  checkpointEvery?: number;
  checkpoint?: () => Promise<void>;
}

export async function runPhase(
  name: string,
  count: number,
  task: (index: number) => Promise<void>,
  options: PhaseOptions,
): Promise<PhaseResult> {
  const started = performance.now();
  const meter = new ProgressMeter(name, count, options.progress);
  const chunk = options.checkpointEvery ?? count;
  let failure: unknown = null;
  try {
    for (let from = 0; from < count && failure === null; from += chunk) {
      const to = Math.min(count, from + chunk);
      let next = from;
      const worker = async () => {
        while (next < to && failure === null) {
          const index = next++;
          try {
            await task(index);
          } catch (error) {
            failure ??= new Error(`${name} #${index} failed: ${describe(error)}`, { cause: error });
          }
          meter.done++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, to - from) }, worker));
      if (options.checkpoint) await options.checkpoint();
    }
  } finally {
    meter.stop();
  }
  if (failure !== null) throw failure;
  return { name, count, seconds: (performance.now() - started) / 1000 };
}

const describe = (error: unknown) =>
  error instanceof Error
    ? `${error.name}: ${error.message}${'code' in error ? ` (${error.code})` : ''}`
    : String(error);

/** One line per interval (rewritten in place on a terminal): done, rate now and overall, ETA. */
class ProgressMeter {
  done = 0;
  private readonly timer: NodeJS.Timeout | null;
  private readonly started = performance.now();
  private lastDone = 0;
  private lastAt = this.started;
  private readonly tty: boolean;

  constructor(
    private readonly name: string,
    private readonly total: number,
    private readonly out: NodeJS.WritableStream | undefined,
  ) {
    this.tty = Boolean(out && (out as NodeJS.WriteStream).isTTY);
    // A log file gets a line every 10 s; a terminal sees the line move every second.
    this.timer = out && total > 0 ? setInterval(() => this.print(false), this.tty ? 1000 : 10_000) : null;
    this.timer?.unref();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.print(true);
  }

  private print(final: boolean): void {
    const now = performance.now();
    const elapsed = (now - this.started) / 1000;
    const overall = this.done / Math.max(elapsed, 1e-3);
    const recent = (this.done - this.lastDone) / Math.max((now - this.lastAt) / 1000, 1e-3);
    this.lastDone = this.done;
    this.lastAt = now;
    const percent = ((100 * this.done) / this.total).toFixed(1);
    const eta = overall > 0 ? (this.total - this.done) / overall : Number.POSITIVE_INFINITY;
    const line = final
      ? `${this.name}: ${fmt(this.done)}/${fmt(this.total)} in ${duration(elapsed)} (${fmt(overall)}/s)`
      : `${this.name}: ${fmt(this.done)}/${fmt(this.total)} ${percent}%  ${fmt(recent)}/s now, ${fmt(overall)}/s overall  ETA ${duration(eta)}`;
    this.out!.write(this.tty ? `\r\x1b[K${line}${final ? '\n' : ''}` : `${line}\n`);
  }
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${(hours / 24).toFixed(hours % 24 === 0 ? 0 : 1)} d`;
}
