import { LatencyHistogram } from '../latency.js';
import type { Scenario } from '../scenario.js';
import { readThread } from '../setup.js';
import { openSubscribed } from './ws-common.js';

/**
 * `ws-churn`: readers arriving and leaving at `--rate` per second: each
 * operation connects, subscribes to the page, waits for its `presence` and
 * closes; its latency runs to the end of the close handshake, and the time to
 * `presence` is reported apart.
 */
export const wsChurn: Scenario = async ({ options, api }) => {
  const { pageId } = await readThread(api, options);
  const subscribed = new LatencyHistogram();
  return {
    fire: async () => {
      const started = performance.now();
      const { outcome, socket } = await openSubscribed(options, pageId, 'connect-subscribe-close');
      if (socket) {
        subscribed.record(performance.now() - started);
        await socket.close();
      }
      return outcome;
    },
    finish: async () => ({ connect_to_presence_ms: subscribed.summary() }),
  };
};
