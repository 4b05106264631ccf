import type { ApiClient } from './http.js';
import type { LoadOptions } from './options.js';
import type { LoopPlan, Outcome } from './schedule.js';

export interface ScenarioContext {
  options: LoadOptions;
  api: ApiClient;
  /** Says what the setup is doing, on the progress channel. */
  note(line: string): void;
  /** Aborted when the run is to end early (Ctrl-C). */
  signal: AbortSignal;
}

/** A scenario once set up: the operation the loop fires, and what it reports after. */
export interface ScenarioRun {
  /** One operation, the `index`-th of the run. */
  fire(index: number): Promise<Outcome>;
  /** Changes to the loop's plan (the WebSocket scenarios open a fixed number of sockets). */
  plan?: Partial<LoopPlan>;
  /** Figures beyond each operation's latency, gathered once the loop is over. */
  finish?(): Promise<Record<string, unknown>>;
  /** Lets go of what the scenario holds (sockets). */
  close?(): Promise<void>;
}

export type Scenario = (context: ScenarioContext) => Promise<ScenarioRun>;

/**
 * Spreads operations over kinds in fixed proportions, deterministically: index
 * i takes slot (i × a prime) mod the total, which visits every slot once per
 * round, so any stretch of the run holds each kind in its share.
 */
export function pickByWeight<K extends string>(index: number, weights: readonly (readonly [K, number])[]): K {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let slot = (index * 7919) % total;
  for (const [kind, weight] of weights) {
    if (slot < weight) return kind;
    slot -= weight;
  }
  return weights[weights.length - 1]![0];
}
