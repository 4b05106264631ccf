import { keys } from '@threadkit/core';
import { expectError, startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `DELETE /v1/sites/:id` on a standalone server: its one site is configured by
 * the environment, so nobody deletes it through the API and nothing is recorded.
 * (SaaS mode's answers: apps/dashboard/src/internal/site-purge.test.ts.)
 */

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

describe('DELETE /v1/sites/:id on a standalone server', () => {
  it('answers 409 to the owner, 404 for another site, 401 and 403 to everyone else, and records nothing', async () => {
    const url = `/v1/sites/${api.site.id}`;
    const refused = expectError(await api.owner({ method: 'DELETE', url }), 409, 'conflict');
    expect(refused.error).toBe(
      "The standalone site is configured by the server's environment; it is not deleted.",
    );
    expectError(
      await api.owner({ method: 'DELETE', url: '/v1/sites/0cZdmZixoJscOFqiPZ6LHx' }),
      404,
      'not_found',
    );
    expectError(await api.call({ method: 'DELETE', url }), 401, 'unauthorized');
    const guest = await api.guest('Curious');
    expectError(await api.call({ method: 'DELETE', url, token: guest.token }), 403, 'forbidden');
    expect(await api.redis.exists(keys.purges())).toBe(0);
    expect(await api.redis.hget(keys.site(api.site.id), 'id')).toBe(api.site.id);
  });
});
