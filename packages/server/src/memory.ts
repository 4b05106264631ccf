import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection. Node only offers `gc` when started with
 * `--expose-gc`; setting the flag at run time exposes it in contexts created
 * afterwards, so one new context lends it without a flag on the command line.
 * Not V8's memory-reducing kind (the inspector's "collect garbage"): after
 * one, Node's `nextTick` is optimised again with a generic store for its tick
 * object's literal and costs five to ten times as much for the rest of the
 * process's life.
 */
export function collectGarbage(): void {
  gc ??= exposeGc();
  // Evacuates every fragmented page, as the memory-reducing kind would, so that
  // the pages emptied go back to the system; only for this collection.
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

let gc: (() => void) | null = null;

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The young generation's capacity in bytes: what V8 grew it to under load. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

interface IdleReleaseOptions {
  /** How often the event loop's utilisation is looked at (ms). */
  intervalMs?: number;
  /** Utilisation (0–1) over an interval at or above which the process counts as busy. */
  busy?: number;
  /** Utilisation below which an interval counts as idle. */
  idle?: number;
  /** Idle intervals in a row that may collect before the release gives up until the next busy spell. */
  attempts?: number;
  /** Tests drive these. */
  utilization?: () => number;
  collect?: () => void;
  youngGeneration?: () => number;
}

/**
 * Gives memory back once a busy spell is over. Start-up (loading the modules,
 * compiling every route's schemas) and any burst of traffic grow V8's young
 * generation to its largest and let the old one fill with garbage far above
 * what is live, and while the process then sits idle nothing makes it collect:
 * a server that had a burst of traffic kept 130–160 MB where 95 were live. So
 * after an interval busy enough to count (start-up counts as one), each idle
 * interval that follows gets a full collection (tens of milliseconds, while
 * nothing waits), until one of them shrinks the young generation: V8 does that
 * only at a collection made while the process allocates little, which the
 * first idle interval after a burst may still not show. Under steady traffic
 * the loop is never idle and this never runs.
 */
export class IdleMemoryRelease {
  private readonly timer: NodeJS.Timeout;
  private readonly busy: number;
  private readonly idle: number;
  private readonly attempts: number;
  private readonly utilization: () => number;
  private readonly collect: () => void;
  private readonly youngGeneration: () => number;
  /** Collections still owed to the last busy spell. */
  private owed: number;

  constructor(options: IdleReleaseOptions = {}) {
    this.busy = options.busy ?? 0.05;
    this.idle = options.idle ?? 0.01;
    this.attempts = options.attempts ?? 3;
    this.utilization = options.utilization ?? loopUtilization();
    this.collect = options.collect ?? collectGarbage;
    this.youngGeneration = options.youngGeneration ?? youngGenerationBytes;
    this.owed = this.attempts;
    this.timer = setInterval(() => this.check(), options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** Looks at the interval just ended: notes a busy one, collects after an idle one that follows. */
  check(): void {
    const used = this.utilization();
    if (used >= this.busy) this.owed = this.attempts;
    if (used >= this.idle || this.owed === 0) return;
    const before = this.youngGeneration();
    this.collect();
    this.owed = this.youngGeneration() < before ? 0 : this.owed - 1;
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
