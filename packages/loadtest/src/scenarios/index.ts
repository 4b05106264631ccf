import type { ScenarioName } from '../options.js';
import type { Scenario } from '../scenario.js';
import { auth } from './auth.js';
import { mixed } from './mixed.js';
import { read } from './read.js';
import { thread } from './thread.js';
import { vote } from './vote.js';
import { write } from './write.js';
import { ws } from './ws.js';
import { wsChurn } from './ws-churn.js';
import { wsFanout } from './ws-fanout.js';

export const SCENARIO_RUNNERS: Record<ScenarioName, Scenario> = {
  read,
  write,
  vote,
  mixed,
  thread,
  auth,
  ws,
  'ws-fanout': wsFanout,
  'ws-churn': wsChurn,
};
