import { expectError, startTestApi, type TestApi } from '@threadkit/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `POST /v1/sites/:id/admins` and `/moderators` name the commenter by id or by their account's e-mail. */

let api: TestApi;
let seq = 0;

async function account(name: string): Promise<{ id: string; token: string; email: string }> {
  const email = `${name.toLowerCase()}-${++seq}@example.com`;
  const response = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name: `${name} ${seq}`, email, password: 'correct horse battery staple' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { id: response.json().user.id, token: response.json().token, email };
}

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const add = (
  role: 'admins' | 'moderators',
  payload: Record<string, unknown>,
  send: (options: InjectOptions) => Promise<LightMyRequestResponse> = api.owner,
) => send({ method: 'POST', url: `/v1/sites/${api.site.id}/${role}`, payload });

const roleOf = async (token: string) =>
  (await api.call({ method: 'GET', url: '/v1/users/me', token })).json().role as string;

describe('giving a role by e-mail', () => {
  it('finds the account by its address, in any case and with spaces around it', async () => {
    const ada = await account('Ada');
    const response = await add('admins', { email: `  ${ada.email.toUpperCase()} ` });
    expect(response.statusCode, response.body).toBe(204);
    expect(await roleOf(ada.token)).toBe('admin');

    // An admin makes moderators the same way.
    const grace = await account('Grace');
    const asAdmin = (options: InjectOptions) => api.call({ ...options, token: ada.token });
    expect((await add('moderators', { email: grace.email }, asAdmin)).statusCode).toBe(204);
    expect(await roleOf(grace.token)).toBe('moderator');
    const listed = await api.call({
      method: 'GET',
      url: `/v1/sites/${api.site.id}/moderators`,
      token: ada.token,
    });
    expect(listed.json().members.map((m: { id: string }) => m.id)).toContain(grace.id);
  });

  it('is a 404 when no account has the address', async () => {
    const body = expectError(await add('moderators', { email: 'nobody@example.com' }), 404, 'not_found');
    expect(body.error).toMatch(/e-mail/);
  });

  it('tells nothing of addresses to who may not give the role', async () => {
    const [moderator, known] = [await account('Mod'), await account('Known')];
    await api.promote(moderator.id, 'moderator');
    const asModerator = (options: InjectOptions) => api.call({ ...options, token: moderator.token });
    expectError(await add('moderators', { email: known.email }, asModerator), 403, 'forbidden');
    expectError(await add('moderators', { email: 'nobody@example.com' }, asModerator), 403, 'forbidden');
    const asNobody = (options: InjectOptions) => api.call(options);
    expectError(await add('admins', { email: 'nobody@example.com' }, asNobody), 401, 'unauthorized');
    expect(await roleOf(known.token)).toBe('user');
  });

  it('takes a user id or an e-mail, one of them, and a well-formed address', async () => {
    const ada = await account('Both');
    for (const payload of [{}, { user_id: ada.id, email: ada.email }]) {
      expect(expectError(await add('moderators', payload), 400, 'invalid_request').field).toBe('user_id');
    }
    for (const email of ['not-an-address', 'a@b']) {
      expect(expectError(await add('moderators', { email }), 400, 'invalid_request').field).toBe('email');
    }
    expect(await roleOf(ada.token)).toBe('user');
  });

  it('still takes a user id, and still refuses guests', async () => {
    const linus = await account('Linus');
    expect((await add('moderators', { user_id: linus.id })).statusCode).toBe(204);
    expect(await roleOf(linus.token)).toBe('moderator');
    const guest = await api.guest('Visitor');
    expectError(await add('moderators', { user_id: guest.userId }), 409, 'conflict');
    expect(await roleOf(guest.token)).toBe('user');
  });
});
