import type { ApiClient } from '../http.js';
import type { LoadOptions } from '../options.js';
import type { Outcome } from '../schedule.js';
import { type Guest, pageUrl } from '../setup.js';

/**
 * Posts comments round-robin over a pool of guests: three in four new roots,
 * one in four replies to an existing root, as threads grow.
 */
export function poster(
  api: ApiClient,
  options: LoadOptions,
  guests: Guest[],
  rootIds: string[],
  tag: string,
) {
  let posted = 0;
  return {
    get posted() {
      return posted;
    },
    post: async (index: number, operation = 'post'): Promise<Outcome> => {
      const guest = guests[index % guests.length]!;
      const parentId = index % 4 === 3 && rootIds.length > 0 ? rootIds[index % rootIds.length] : undefined;
      const outcome = await api.send(
        {
          method: 'POST',
          path: '/v1/comments',
          token: guest.token,
          body: {
            page_key: options.page,
            page_url: pageUrl(options),
            content: `Load test ${tag}, comment ${index}: written by a load generator.`,
            ...(parentId ? { parent_id: parentId } : {}),
          },
        },
        operation,
      );
      if ('status' in outcome && outcome.status === 201) posted++;
      return outcome;
    },
  };
}

/**
 * Votes with a pool of guests on the seeded comments (none of them theirs).
 * A pair of voter and comment votes up, then down, then up again: the vote
 * switches each time and never is taken back, so every vote sent is one the
 * server stores.
 */
export function voter(api: ApiClient, guests: Guest[], commentIds: string[]) {
  const uses = new Map<string, number>();
  return async (index: number, operation = 'vote'): Promise<Outcome> => {
    const guest = guests[index % guests.length]!;
    const commentId = commentIds[Math.floor(index / guests.length) % commentIds.length]!;
    const pair = `${guest.id} ${commentId}`;
    const used = uses.get(pair) ?? 0;
    uses.set(pair, used + 1);
    return api.send(
      {
        method: 'POST',
        path: `/v1/comments/${commentId}/vote`,
        token: guest.token,
        body: { direction: used % 2 === 0 ? 'up' : 'down' },
      },
      operation,
    );
  };
}
