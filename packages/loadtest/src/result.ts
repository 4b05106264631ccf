import os from 'node:os';
import { LatencyHistogram, type Percentiles } from './latency.js';
import type { LoadOptions } from './options.js';
import type { LoopReport, Outcome } from './schedule.js';

/** Everything a run found, as the JSON result carries it. */
export interface LoadResult {
  scenario: string;
  /** The options the run used (keys masked). */
  options: Record<string, unknown>;
  started_at: string;
  ended_at: string;
  duration_s: number;
  /** Operations per second asked for once ramped up. */
  offered_rate: number;
  /** Operations due per second over the whole run, ramp included, and those completed per second. */
  scheduled_rate: number;
  achieved_rate: number;
  scheduled: number;
  sent: number;
  completed: number;
  /** Sent behind schedule because every connection was busy (their latency counts from their due time). */
  late: number;
  /** Never sent: still waiting for a connection when the run ended. */
  unsent: number;
  /** Sent but not answered before the run gave up waiting. */
  unfinished: number;
  /** Latency from each operation's due time to its answer, in ms. */
  latency_ms: Percentiles;
  /**
   * How late the load generator handed each operation on after its due time, in ms (before any wait
   * for a connection). Every latency includes it: a p99 above GENERATOR_BEHIND_MS means the generator
   * fell behind (too busy a machine, or too high a rate for one process), and the latencies say less.
   */
  send_lateness_ms: Percentiles;
  /** Whether the send lateness's p99 passed GENERATOR_BEHIND_MS. */
  generator_behind: boolean;
  /** The same per kind of operation, where a scenario mixes several. */
  operations: Record<string, { count: number; latency_ms: Percentiles }>;
  status: { classes: Record<string, number>; codes: Record<string, number> };
  errors: Record<string, number>;
  /** The machine the load came from: figures from a busy one say less. */
  host: { cpus: number; load_average_1m: number };
  /** What the scenario measured beyond latencies: connections and deliveries for the WebSocket ones. */
  figures?: Record<string, unknown>;
}

/** Collects outcomes and latencies while a run goes on. */
export class Tally {
  readonly all = new LatencyHistogram();
  readonly byOperation = new Map<string, LatencyHistogram>();
  readonly classes: Record<string, number> = {};
  readonly codes: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  sent = 0;
  completed = 0;
  failed = 0;

  record(outcome: Outcome, latencyMs: number): void {
    this.completed++;
    this.all.record(latencyMs);
    if (outcome.operation) {
      let histogram = this.byOperation.get(outcome.operation);
      if (!histogram) {
        histogram = new LatencyHistogram();
        this.byOperation.set(outcome.operation, histogram);
      }
      histogram.record(latencyMs);
    }
    if ('error' in outcome) {
      this.failed++;
      bump(this.errors, outcome.error);
      return;
    }
    const statusClass = `${Math.floor(outcome.status / 100)}xx`;
    bump(this.classes, statusClass);
    bump(this.codes, String(outcome.status));
    if (outcome.status >= 400) this.failed++;
  }
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** A send lateness p99 above this (ms) means the load generator, not the server, fell behind. */
export const GENERATOR_BEHIND_MS = 1;

export function buildResult(
  options: LoadOptions,
  tally: Tally,
  loop: LoopReport,
  wallStart: number,
  figures?: Record<string, unknown>,
): LoadResult {
  const durationS = (loop.endedAt - loop.startedAt) / 1000;
  const operations: LoadResult['operations'] = {};
  for (const [name, histogram] of [...tally.byOperation].sort(([a], [b]) => a.localeCompare(b))) {
    operations[name] = { count: histogram.count, latency_ms: histogram.summary() };
  }
  return {
    scenario: options.scenario,
    options: shownOptions(options),
    started_at: new Date(wallStart).toISOString(),
    ended_at: new Date(wallStart + (loop.endedAt - loop.startedAt)).toISOString(),
    duration_s: round(durationS, 3),
    offered_rate: options.rate,
    scheduled_rate: durationS > 0 ? round(loop.scheduled / durationS, 2) : 0,
    achieved_rate: durationS > 0 ? round(tally.completed / durationS, 2) : 0,
    scheduled: loop.scheduled,
    sent: loop.sent,
    completed: loop.completed,
    late: loop.late,
    unsent: loop.unsent,
    unfinished: loop.unfinished,
    latency_ms: tally.all.summary(),
    send_lateness_ms: loop.sendLateness,
    generator_behind: loop.sendLateness.p99 > GENERATOR_BEHIND_MS,
    operations,
    status: { classes: { ...tally.classes }, codes: { ...tally.codes } },
    errors: { ...tally.errors },
    host: { cpus: os.availableParallelism(), load_average_1m: round(os.loadavg()[0] ?? 0, 2) },
    ...(figures ? { figures } : {}),
  };
}

/** The options as a result shows them: keys cut to their prefix, so a shared result leaks none. */
function shownOptions(options: LoadOptions): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...options };
  if (options.key) shown.key = `${options.key.slice(0, 10)}…`;
  return shown;
}

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
