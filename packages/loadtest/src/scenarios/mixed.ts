import { pickByWeight, type Scenario } from '../scenario.js';
import { runTag, seedPage, signInGuests, threadPath } from '../setup.js';
import { poster, voter } from './posting.js';

/**
 * `mixed`: a page in use, by default 90 % thread reads (anonymous), 7 % votes
 * and 3 % new comments (`--mix`), each kind with its own latency figures.
 */
export const mixed: Scenario = async ({ options, api, note }) => {
  note(`seeding ${options.page} and signing in ${options.users} guests`);
  const thread = await seedPage(api, options, Math.max(1, options.seed));
  const guests = await signInGuests(api, options.users);
  const votes = voter(api, guests, thread.rootIds);
  const posting = poster(api, options, guests, thread.rootIds, runTag());
  const weights = [
    ['read', options.mix.reads],
    ['vote', options.mix.votes],
    ['post', options.mix.posts],
  ] as const;
  const path = threadPath(options);
  return {
    fire: (index) => {
      const kind = pickByWeight(index, weights);
      if (kind === 'vote') return votes(index, kind);
      if (kind === 'post') return posting.post(index, kind);
      return api.send({ method: 'GET', path }, kind);
    },
    finish: async () => ({ comments_created: posting.posted }),
  };
};
