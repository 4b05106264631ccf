import { Session } from 'node:inspector';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/**
 * A memory-reducing garbage collection: V8 collects everything it can, shrinks
 * its young generation to the minimum and returns the freed pages to the
 * system. V8 only takes this kind (the one DevTools' "collect garbage" asks for)
 * through the inspector protocol; this in-process session opens no port.
 */
export function releaseMemory(): Promise<void> {
  inFlight ??= collect().finally(() => {
    inFlight = null;
  });
  return inFlight;
}

let inFlight: Promise<void> | null = null;

/** Resolves once no collection is under way: exiting with an inspector session open can leave the process hanging. */
export async function memoryReleased(): Promise<void> {
  await inFlight?.catch(() => {});
}

async function collect(): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    await new Promise((resolve) => session.post('HeapProfiler.collectGarbage', resolve));
  } finally {
    // Not from inside the callback: disconnecting while the session dispatches hangs the process.
    session.disconnect();
  }
}

interface IdleReleaseOptions {
  /** How often the event loop's utilisation is looked at (ms). */
  intervalMs?: number;
  /** Utilisation (0–1) over an interval at or above which the process counts as busy. */
  busy?: number;
  /** Utilisation below which an interval counts as idle. */
  idle?: number;
  /** Tests drive these. */
  utilization?: () => number;
  release?: () => Promise<void>;
}

/**
 * Gives memory back once a busy spell is over. Under load V8 grows its young
 * generation to its largest and lets the old one fill with garbage up to a limit
 * far above what is live, and while the process then sits idle nothing makes it
 * collect: a server that had a burst of traffic kept 250 MB where 100 MB were
 * live. So after an interval busy enough to count, the first idle interval
 * triggers one memory-reducing collection (tens of milliseconds, while nothing
 * waits). Under steady traffic the loop is never idle and this never runs.
 */
export class IdleMemoryRelease {
  private readonly timer: NodeJS.Timeout;
  private readonly busy: number;
  private readonly idle: number;
  private readonly utilization: () => number;
  private readonly release: () => Promise<void>;
  private owed = false;
  private running = false;

  constructor(options: IdleReleaseOptions = {}) {
    this.busy = options.busy ?? 0.05;
    this.idle = options.idle ?? 0.01;
    this.utilization = options.utilization ?? loopUtilization();
    this.release = options.release ?? releaseMemory;
    this.timer = setInterval(() => void this.check(), options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** Looks at the interval just ended: notes a busy one, releases after an idle one that follows. */
  async check(): Promise<void> {
    const used = this.utilization();
    if (used >= this.busy) this.owed = true;
    if (used >= this.idle || !this.owed || this.running) return;
    this.owed = false;
    this.running = true;
    try {
      await this.release();
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The event loop's utilisation since the previous call. */
function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}
