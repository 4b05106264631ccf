import type { Scenario } from '../scenario.js';
import type { Outcome } from '../schedule.js';

/**
 * `auth`: sign-in flows, half guest sign-ins and half token refreshes. Each
 * refresh rotates a session made by an earlier sign-in of the run (its new
 * refresh token goes back to the pool), as a widget does when its access
 * token expires; with none free yet, the operation signs a guest in.
 */
export const auth: Scenario = async ({ api }) => {
  const sessions: string[] = [];
  const signIn = async (index: number): Promise<Outcome> => {
    const answer = await api.call({
      method: 'POST',
      path: '/v1/auth/guest',
      body: { name: `Load tester ${index}` },
    });
    if (answer.status === 201) sessions.push(answer.body.refresh_token);
    return { status: answer.status, operation: 'guest' };
  };
  const refresh = async (refreshToken: string): Promise<Outcome> => {
    const answer = await api.call({
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refresh_token: refreshToken },
    });
    if (answer.status === 200) sessions.push(answer.body.refresh_token);
    return { status: answer.status, operation: 'refresh' };
  };
  return {
    fire: (index) => {
      const session = index % 2 === 1 ? sessions.shift() : undefined;
      return session ? refresh(session) : signIn(index);
    },
  };
};
