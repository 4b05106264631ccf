import type { Scenario } from '../scenario.js';
import { type Guest, seedPage, signInGuests, threadPath } from '../setup.js';

/**
 * `read`: loads the page's thread as the widget does on every page view, by
 * anonymous readers, or signed-in ones for the `--signed-in` share (whose
 * answer carries their own votes and so cannot be shared).
 */
export const read: Scenario = async ({ options, api, note }) => {
  note(`seeding ${options.page} with ${options.seed} comments`);
  await seedPage(api, options);
  const readers: Guest[] = options.signedIn > 0 ? await signInGuests(api, options.users) : [];
  const path = threadPath(options);
  return {
    fire: (index) => {
      // Evenly spread: after n reads, exactly floor(n × share) were signed in.
      const signedIn =
        readers.length > 0 &&
        Math.floor((index + 1) * options.signedIn) > Math.floor(index * options.signedIn);
      return api.send(
        { method: 'GET', path, ...(signedIn ? { token: readers[index % readers.length]!.token } : {}) },
        signedIn ? 'read-signed-in' : 'read-anonymous',
      );
    },
  };
};
