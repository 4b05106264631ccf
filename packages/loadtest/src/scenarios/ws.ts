import type { GatewaySocket } from '../gateway.js';
import type { Scenario } from '../scenario.js';
import { readThread } from '../setup.js';
import { closeAll, OPENING_AT_ONCE, openSubscribed, serverCloses } from './ws-common.js';

/**
 * `ws`: `--connections` idle readers of the page, opened at `--rate` per
 * second (each operation is one connection, handshake to `presence`), then
 * held until the duration is over; reports how many stayed open.
 */
export const ws: Scenario = async ({ options, api, signal }) => {
  const { pageId } = await readThread(api, options);
  const sockets: GatewaySocket[] = [];
  let firstAt: number | null = null;
  return {
    plan: { requests: options.connections, durationMs: undefined, maxInFlight: OPENING_AT_ONCE },
    fire: async () => {
      firstAt ??= performance.now();
      const { outcome, socket } = await openSubscribed(options, pageId, 'connect');
      if (socket) sockets.push(socket);
      return outcome;
    },
    finish: async () => {
      const holdUntil = (firstAt ?? performance.now()) + (options.durationS ?? 0) * 1000;
      const wait = holdUntil - performance.now();
      if (wait > 0 && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return {
        connections_asked: options.connections,
        connections_opened: sockets.length,
        still_open_at_end: sockets.filter((s) => s.isOpen).length,
        held_s: Math.round((performance.now() - (firstAt ?? performance.now())) / 100) / 10,
        closed_by_server: serverCloses(sockets),
      };
    },
    close: () => closeAll(sockets),
  };
};
