/** What one operation came to: an HTTP status (101 for an accepted WebSocket), or an error's kind. */
export type Outcome = { status: number; operation?: string } | { error: string; operation?: string };

import { LatencyHistogram, type Percentiles } from './latency.js';

/** Time in milliseconds from any fixed origin, and ways to wait; a test passes a fake one. */
export interface Clock {
  now(): number;
  /** Waits at least `ms`: a timer, which may wake a millisecond or more late. */
  sleep(ms: number): Promise<void>;
  /** Waits for one turn of the event loop, answers and timers included: short, but it keeps a core busy. */
  tick(): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  tick: () => new Promise((resolve) => setImmediate(resolve)),
};

/**
 * How long before an operation is due the scheduler stops sleeping on a timer
 * and turns the event loop instead. Node's timers count whole milliseconds on a
 * loop clock read once per turn, so they wake up to about 2 ms late.
 */
export const TIMER_LEAD_MS = 2;

export interface LoopPlan {
  /** Offered operations per second once ramped up. */
  rate: number;
  /** Milliseconds over which the offered rate climbs linearly from 0 to `rate`. */
  rampMs: number;
  /** Stop scheduling after this long (ms), or after `requests` operations, whichever comes first. */
  durationMs?: number;
  requests?: number;
  /** Operations in flight at once; one due while all are busy waits for a free one. */
  maxInFlight: number;
  /** How long to wait for operations still in flight once scheduling ends. */
  drainMs: number;
  /** Ends scheduling early (Ctrl-C): what was sent is still waited for and reported. */
  signal?: AbortSignal;
  /** Milliseconds before a due time at which sleeping on a timer gives way to turning the loop (TIMER_LEAD_MS). */
  timerLeadMs?: number;
}

export interface LoopReport {
  /** Operations whose time came before the end. */
  scheduled: number;
  /** Operations handed to `fire`. */
  sent: number;
  completed: number;
  /** Sent after their time because every slot was busy: the server was falling behind. */
  late: number;
  /** Still waiting for a free slot when the run ended: never sent. */
  unsent: number;
  /** Sent but not finished within the drain time. */
  unfinished: number;
  startedAt: number;
  endedAt: number;
  /**
   * How late the scheduler handed each operation on, from its due time (ms): the
   * load generator's own delay, before any wait for a connection. Every latency
   * includes it, so a high one means the generator, not the server, fell behind.
   */
  sendLateness: Percentiles;
}

/**
 * Milliseconds from the start at which operation `index` is due: evenly spaced
 * at `rate`, after a linear ramp over `rampMs` (the count due by time t is the
 * area under the rate line, so the ramp's times are a square root).
 */
export function dueOffset(index: number, rate: number, rampMs: number): number {
  const rampS = rampMs / 1000;
  const duringRamp = (rate * rampS) / 2;
  if (index < duringRamp) return Math.sqrt((2 * rampS * index) / rate) * 1000;
  return (rampS + (index - duringRamp) / rate) * 1000;
}

/**
 * Runs operations open-loop: each has a due time fixed from the start, whatever
 * the server does, and its latency counts from that due time, not from when it
 * could actually be sent. A server that stalls therefore shows its stall in the
 * percentiles of every operation that queued behind it, instead of slowing the
 * sender down and hiding it (coordinated omission).
 */
export async function runOpenLoop(
  plan: LoopPlan,
  fire: (index: number) => Promise<Outcome>,
  onDone: (outcome: Outcome, latencyMs: number) => void,
  clock: Clock = realClock,
  onSent?: () => void,
): Promise<LoopReport> {
  const start = clock.now();
  const limit = plan.requests ?? Number.POSITIVE_INFINITY;
  const endAt = plan.durationMs === undefined ? Number.POSITIVE_INFINITY : start + plan.durationMs;
  if (!Number.isFinite(limit) && !Number.isFinite(endAt))
    throw new Error('a run needs a duration or a count');
  const report: LoopReport = {
    scheduled: 0,
    sent: 0,
    completed: 0,
    late: 0,
    unsent: 0,
    unfinished: 0,
    startedAt: start,
    endedAt: start,
    sendLateness: new LatencyHistogram().summary(),
  };
  const lateness = new LatencyHistogram();
  const leadMs = plan.timerLeadMs ?? TIMER_LEAD_MS;
  const waiting: { index: number; due: number }[] = [];
  let inFlight = 0;
  let settled: (() => void) | null = null;
  // Operations still running after the drain are reported as unfinished, not counted later.
  let over = false;

  const launch = (index: number, due: number) => {
    inFlight++;
    report.sent++;
    onSent?.();
    const settle = (outcome: Outcome) => {
      if (over) return;
      inFlight--;
      report.completed++;
      onDone(outcome, clock.now() - due);
      const queued = waiting.shift();
      if (queued) launch(queued.index, queued.due);
      else if (inFlight === 0) settled?.();
    };
    fire(index).then(settle, (error: unknown) => settle({ error: errorKind(error) }));
  };

  let next = 0;
  for (;;) {
    const now = clock.now();
    let due = start + dueOffset(next, plan.rate, plan.rampMs);
    while (next < limit && due <= now && due < endAt) {
      report.scheduled++;
      lateness.record(clock.now() - due);
      if (inFlight < plan.maxInFlight) launch(next, due);
      else {
        report.late++;
        waiting.push({ index: next, due });
      }
      next++;
      due = start + dueOffset(next, plan.rate, plan.rampMs);
    }
    if (next >= limit || due >= endAt || plan.signal?.aborted) break;
    // A timer until shortly before the due time, then turns of the loop (answers are read meanwhile) until it comes.
    const wait = due - clock.now();
    if (wait >= leadMs + 1) await clock.sleep(Math.floor(wait - leadMs));
    else await clock.tick();
  }

  if (inFlight > 0 || waiting.length > 0) {
    const allDone = new Promise<void>((resolve) => {
      settled = resolve;
    });
    await Promise.race([allDone, clock.sleep(plan.drainMs)]);
  }
  over = true;
  report.unsent = waiting.length;
  waiting.length = 0;
  report.unfinished = inFlight;
  report.endedAt = clock.now();
  report.sendLateness = lateness.summary();
  return report;
}

/** A short, countable name for what went wrong: a system or undici error code, else the error's name. */
export function errorKind(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string' && name !== 'Error') return name;
    if (error instanceof Error) return error.message.slice(0, 60);
  }
  return String(error).slice(0, 60);
}
