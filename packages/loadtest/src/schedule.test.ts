import { describe, expect, it } from 'vitest';
import { type Clock, dueOffset, type Outcome, runOpenLoop } from './schedule.js';

/**
 * A clock that only moves when the test lets it: to the next timer due, once nothing else can run.
 * Like Node's, its timers may wake `timerLateMs` after their time, and a turn of the loop takes `tickMs`.
 */
class FakeClock implements Clock {
  private time = 0;
  private timers: { at: number; resolve: () => void }[] = [];

  constructor(
    private readonly timerLateMs = 0,
    private readonly tickMs = 0.125,
  ) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.time + ms + this.timerLateMs, resolve }));
  }

  tick(): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.time + this.tickMs, resolve }));
  }

  /** Runs `work` to its end, advancing time from timer to timer whenever it waits. */
  async drive<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const result = work.finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done || this.timers.length === 0) continue;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift()!;
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
    return result;
  }
}

describe('the open-loop schedule', () => {
  it('spaces operations evenly at the rate, after a linear ramp', () => {
    expect([0, 1, 2, 3].map((i) => dueOffset(i, 10, 0))).toEqual([0, 100, 200, 300]);
    // Ramping to 10/s over 2 s: 10 operations during the ramp, then one every 100 ms.
    expect(dueOffset(10, 10, 2000)).toBeCloseTo(2000);
    expect(dueOffset(11, 10, 2000)).toBeCloseTo(2100);
    expect(dueOffset(5, 10, 2000)).toBeCloseTo(Math.sqrt(2) * 1000);
    // During the ramp gaps shrink as the rate climbs.
    expect(dueOffset(2, 10, 2000) - dueOffset(1, 10, 2000)).toBeGreaterThan(
      dueOffset(9, 10, 2000) - dueOffset(8, 10, 2000),
    );
  });

  it('counts latency from the due time, so a slow server shows in every operation queued behind it', async () => {
    const clock = new FakeClock();
    const latencies: number[] = [];
    // One connection, operations due every 100 ms, each taking the server 250 ms.
    const report = await clock.drive(
      runOpenLoop(
        { rate: 10, rampMs: 0, requests: 10, maxInFlight: 1, drainMs: 60_000 },
        async (): Promise<Outcome> => {
          await clock.sleep(250);
          return { status: 200 };
        },
        (_outcome, latency) => latencies.push(latency),
        clock,
      ),
    );
    expect(report).toMatchObject({
      scheduled: 10,
      sent: 10,
      completed: 10,
      late: 9,
      unsent: 0,
      unfinished: 0,
    });
    // Operation k is due at 100k ms and answered at 250(k + 1) ms: the wait for the connection counts.
    expect(latencies).toEqual(Array.from({ length: 10 }, (_, k) => 250 * (k + 1) - 100 * k));
    // A closed loop would have reported 250 ms for every one of them.
    expect(Math.max(...latencies)).toBe(1600);
  });

  it('sends everything on time while the server keeps up, and stops at the duration', async () => {
    const clock = new FakeClock();
    const latencies: number[] = [];
    const report = await clock.drive(
      runOpenLoop(
        { rate: 20, rampMs: 0, durationMs: 1000, maxInFlight: 4, drainMs: 60_000 },
        async (): Promise<Outcome> => {
          await clock.sleep(30);
          return { status: 200 };
        },
        (_outcome, latency) => latencies.push(latency),
        clock,
      ),
    );
    expect(report).toMatchObject({ scheduled: 20, sent: 20, completed: 20, late: 0 });
    expect(new Set(latencies)).toEqual(new Set([30]));
  });

  it('reports what it could not send or finish when the server stops answering', async () => {
    const clock = new FakeClock();
    const report = await clock.drive(
      runOpenLoop(
        { rate: 10, rampMs: 0, requests: 5, maxInFlight: 2, drainMs: 1000 },
        () => new Promise<Outcome>(() => {}),
        () => {},
        clock,
      ),
    );
    expect(report).toMatchObject({ scheduled: 5, sent: 2, completed: 0, late: 3, unsent: 3, unfinished: 2 });
  });

  it('stops scheduling when aborted, and still waits for what it sent', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const report = await clock.drive(
      runOpenLoop(
        { rate: 10, rampMs: 0, durationMs: 60_000, maxInFlight: 5, drainMs: 10_000, signal: stop.signal },
        async (index): Promise<Outcome> => {
          if (index === 4) stop.abort();
          await clock.sleep(50);
          return { status: 200 };
        },
        () => {},
        clock,
      ),
    );
    expect(report).toMatchObject({ scheduled: 5, sent: 5, completed: 5, unsent: 0, unfinished: 0 });
  });

  it('counts a failed operation by its error code', async () => {
    const clock = new FakeClock();
    const outcomes: Outcome[] = [];
    await clock.drive(
      runOpenLoop(
        { rate: 10, rampMs: 0, requests: 2, maxInFlight: 2, drainMs: 1000 },
        async () => {
          throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
        },
        (outcome) => outcomes.push(outcome),
        clock,
      ),
    );
    expect(outcomes).toEqual([{ error: 'ECONNREFUSED' }, { error: 'ECONNREFUSED' }]);
  });

  it('sends on time although its timers wake late: it sleeps until shortly before, then turns the loop', async () => {
    // Timers 1.5 ms late, as Node's often are; a turn of the loop 0.125 ms.
    const clock = new FakeClock(1.5);
    const latencies: number[] = [];
    const report = await clock.drive(
      runOpenLoop(
        { rate: 100, rampMs: 0, requests: 50, maxInFlight: 10, drainMs: 1000 },
        async (): Promise<Outcome> => {
          await clock.sleep(0);
          return { status: 200 };
        },
        (_outcome, latency) => latencies.push(latency),
        clock,
      ),
    );
    expect(report).toMatchObject({ scheduled: 50, sent: 50, late: 0 });
    // No send leaves later than one turn of the loop after its due time.
    expect(report.sendLateness.count).toBe(50);
    expect(report.sendLateness.max).toBeLessThanOrEqual(0.125);
    // Each latency is the server's 1.5 ms plus at most that turn.
    expect(Math.max(...latencies)).toBeLessThanOrEqual(1.625);
  });

  it('sends every operation that fell due while it was held up, in one go, each with its own lateness', async () => {
    // Timers 35 ms late: at 100/s, four operations come due during each wait.
    const clock = new FakeClock(35);
    const sentAt: number[] = [];
    const report = await clock.drive(
      runOpenLoop(
        { rate: 100, rampMs: 0, requests: 9, maxInFlight: 10, drainMs: 1000 },
        async (): Promise<Outcome> => {
          sentAt.push(clock.now());
          return { status: 200 };
        },
        () => {},
        clock,
      ),
    );
    expect(report).toMatchObject({ scheduled: 9, sent: 9, late: 0 });
    // Sent at 0, then 4 together when the first timer wakes at 43 ms (due 10, 20, 30, 40), then, sleeping to 2 ms before the next due time (50), 4 at 83 ms.
    expect(sentAt).toEqual([0, 43, 43, 43, 43, 83, 83, 83, 83]);
    // Late by 0, then 33, 23, 13 and 3 ms in each batch.
    expect(report.sendLateness.count).toBe(9);
    expect(report.sendLateness.p50).toBeCloseTo(13, 1);
    expect(report.sendLateness.max).toBeCloseTo(33, 1);
  });
});
