import { useEffect, useState } from 'preact/hooks';
import type { FeatureContext } from '../context.js';
import { type Methods, splitMethods } from './logic.js';

/**
 * The ways to sign in the site offers (`failed` when they could not be
 * fetched, null while they load), and a way to ask again. A guest's OAuth
 * links are fetched ahead with them, by `fetchLinks`.
 */
export function useMethods(
  ctx: FeatureContext,
  fetchLinks: (providers: string[]) => void,
): [Methods | 'failed' | null, () => void] {
  const [methods, setMethods] = useState<Methods | 'failed' | null>(null);
  const load = () => {
    setMethods(null);
    // A guest is here to sign in properly (the API keeps their comments): no second guest.
    const guest = ctx.api.viewer?.guest;
    ctx.api.call<Methods>('GET', '/v1/auth/methods').then(
      (answer) => {
        if (!guest) return setMethods(answer);
        setMethods({ ...answer, methods: answer.methods.filter((m) => m !== 'guest') });
        fetchLinks(splitMethods(answer.methods).providers);
      },
      () => setMethods('failed'),
    );
  };
  useEffect(load, []);
  return [methods, load];
}
