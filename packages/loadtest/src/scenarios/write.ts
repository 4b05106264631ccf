import type { Scenario } from '../scenario.js';
import { runTag, seedPage, signInGuests } from '../setup.js';
import { poster } from './posting.js';

/** `write`: comments and replies posted by a pool of guests. */
export const write: Scenario = async ({ options, api, note }) => {
  note(`seeding ${options.page} and signing in ${options.users} guests`);
  const thread = await seedPage(api, options);
  const guests = await signInGuests(api, options.users);
  const posting = poster(api, options, guests, thread.rootIds, runTag());
  return {
    fire: (index) => posting.post(index),
    finish: async () => ({ comments_created: posting.posted }),
  };
};
