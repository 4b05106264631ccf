import type { Scenario } from '../scenario.js';
import { seedPage, signInGuests } from '../setup.js';
import { voter } from './posting.js';

/** `vote`: a pool of guests voting on the page's seeded comments. */
export const vote: Scenario = async ({ options, api, note }) => {
  note(`seeding ${options.page} and signing in ${options.users} guests`);
  const thread = await seedPage(api, options, Math.max(1, options.seed));
  const guests = await signInGuests(api, options.users);
  const votes = voter(api, guests, thread.rootIds);
  return { fire: (index) => votes(index) };
};
