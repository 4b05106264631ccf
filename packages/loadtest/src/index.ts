export { main } from './cli.js';
export { LatencyHistogram, type Percentiles } from './latency.js';
export { DEFAULT_MIX, type LoadOptions, parseOptions, SCENARIOS, type ScenarioName } from './options.js';
export { toMarkdown, writeReports } from './report.js';
export { GENERATOR_BEHIND_MS, type LoadResult } from './result.js';
export { runLoadTest } from './run.js';
export { pickByWeight } from './scenario.js';
export {
  type Clock,
  dueOffset,
  type LoopPlan,
  type LoopReport,
  type Outcome,
  runOpenLoop,
} from './schedule.js';
