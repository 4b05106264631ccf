import { ApiClient } from './http.js';
import type { LoadOptions } from './options.js';
import { ProgressLine } from './progress.js';
import { buildResult, type LoadResult, Tally } from './result.js';
import { SCENARIO_RUNNERS } from './scenarios/index.js';
import { type LoopPlan, runOpenLoop } from './schedule.js';

/** How long operations still in flight when scheduling ends may take to finish. */
const DRAIN_MS = 10_000;

/** Sets the scenario up, runs it open-loop, and returns what it measured. */
export async function runLoadTest(
  options: LoadOptions,
  signal: AbortSignal = new AbortController().signal,
): Promise<LoadResult> {
  const api = new ApiClient(options.url, options.key, options.origin, options.connections);
  const tally = new Tally();
  const progress = options.progress ? new ProgressLine(tally) : null;
  try {
    const scenario = await SCENARIO_RUNNERS[options.scenario]({
      options,
      api,
      note: (line) => progress?.note(line),
      signal,
    });
    try {
      const plan: LoopPlan = {
        rate: options.rate,
        rampMs: options.rampS * 1000,
        durationMs: options.durationS === undefined ? undefined : options.durationS * 1000,
        requests: options.requests,
        maxInFlight: options.connections,
        drainMs: DRAIN_MS,
        signal,
        ...scenario.plan,
      };
      const wallStart = Date.now();
      progress?.start();
      const loop = await runOpenLoop(
        plan,
        (index) => scenario.fire(index),
        (outcome, latencyMs) => tally.record(outcome, latencyMs),
        undefined,
        () => tally.sent++,
      );
      progress?.stop();
      const extra = await scenario.finish?.();
      return buildResult(options, tally, loop, wallStart, extra);
    } finally {
      progress?.stop();
      await scenario.close?.();
    }
  } finally {
    await api.close();
  }
}
