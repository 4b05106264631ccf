import type { GatewaySocket } from '../gateway.js';
import { LatencyHistogram } from '../latency.js';
import { bump } from '../result.js';
import type { Scenario } from '../scenario.js';
import { pageUrl, readThread, runTag, signInGuests } from '../setup.js';
import { closeAll, OPENING_AT_ONCE, openSubscribed, serverCloses } from './ws-common.js';

/** How long after the last post the readers may take to receive it. */
const DELIVERY_WAIT_MS = 10_000;

/**
 * `ws-fanout`: `--connections` readers watch the page while guests post to it
 * at `--rate`; each post's delivery latency to each reader runs from the
 * moment the post was sent to the moment the reader received its
 * `new_comment`. The operations' own latency is the posts'.
 */
export const wsFanout: Scenario = async ({ options, api, note }) => {
  const { pageId } = await readThread(api, options);
  const guests = await signInGuests(api, options.users);
  note(`opening ${options.connections} readers`);
  const sockets: GatewaySocket[] = [];
  const refused: Record<string, number> = {};
  let next = 0;
  const opener = async () => {
    while (next < options.connections) {
      next++;
      const { outcome, socket } = await openSubscribed(options, pageId, 'reader');
      if (socket) sockets.push(socket);
      else bump(refused, 'error' in outcome ? outcome.error : String(outcome.status));
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, options.connections) }, opener));

  const tag = runTag();
  const marker = new RegExp(`lt${tag}-(\\d+)x`);
  const sentAt = new Map<number, number>();
  const delivery = new LatencyHistogram();
  let delivered = 0;
  let stray = 0;
  for (const socket of sockets) {
    socket.watchComments(({ content, at }) => {
      const serial = marker.exec(content)?.[1];
      const sent = serial === undefined ? undefined : sentAt.get(Number(serial));
      if (sent === undefined) {
        stray++;
        return;
      }
      delivered++;
      delivery.record(at - sent);
    });
  }
  let posted = 0;

  return {
    fire: async (index) => {
      const guest = guests[index % guests.length]!;
      sentAt.set(index, performance.now());
      const outcome = await api.send(
        {
          method: 'POST',
          path: '/v1/comments',
          token: guest.token,
          body: {
            page_key: options.page,
            page_url: pageUrl(options),
            content: `Live delivery probe lt${tag}-${index}x of the load test.`,
          },
        },
        'post',
      );
      if ('status' in outcome && outcome.status === 201) posted++;
      else sentAt.delete(index);
      return outcome;
    },
    finish: async () => {
      const expected = () => posted * sockets.filter((s) => s.isOpen).length;
      const deadline = performance.now() + DELIVERY_WAIT_MS;
      while (delivered < expected() && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return {
        readers: sockets.length,
        readers_refused: refused,
        posts: posted,
        deliveries_expected: posted * sockets.length,
        deliveries: delivered,
        deliveries_missing: Math.max(0, posted * sockets.length - delivered),
        other_comments_received: stray,
        delivery_ms: delivery.summary(),
        closed_by_server: serverCloses(sockets),
      };
    },
    close: () => closeAll(sockets),
  };
};
