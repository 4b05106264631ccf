import { randomBytes } from 'node:crypto';
import { OwnerTokens } from '@threadkit/core';
import { freePort } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { type SaasStack, startSaas } from '../internal/saas.testing';
import type { Sites, SiteView } from '../sites/sites';
import { CommentServer, type SiteAdmin } from './comment-server';

/**
 * The dashboard's client of the comment server, as the moderation console
 * uses it: every call against a real comment server in MODE=saas, which learns
 * the site from this dashboard's internal API and takes the owner tokens the
 * client signs.
 */

const SECRET = randomBytes(32).toString('base64url');
const ORIGIN = 'https://notes.example';
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;

let saas: SaasStack;
let sites: Sites;
let apiUrl: string;
let site: SiteView;
let owner: typeof owners.$inferSelect;
let admin: SiteAdmin;

beforeAll(async () => {
  saas = await startSaas(pglite, 'console', { secret: SECRET });
  ({ sites, owner } = saas);
  apiUrl = await saas.app.listen({ host: '127.0.0.1', port: 0 });
  site = (await saas.addSite('Notes', ORIGIN)).site;
  // Pre-moderation from the start: the comment server has not asked about the site yet.
  await sites.changeSettings(owner.id, site.id, { moderation: 'pre' });
  admin = new CommentServer({ apiUrl, tokens: new OwnerTokens(SECRET) }).asOwner(owner.id, site);
});
afterAll(async () => {
  await saas?.close();
});

/** A call of the public API as the site's pages make it. */
async function fromPage(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${apiUrl}/v1${path}`, {
    method,
    headers: {
      projectid: site.publicKey,
      origin: ORIGIN,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  return { status: response.status, body: answer };
}

async function guest(name: string): Promise<{ token: string; id: string }> {
  const { status, body } = await fromPage('POST', '/auth/guest', { name });
  expect(status).toBe(201);
  return { token: body.token, id: body.user.id };
}

async function post(token: string, content: string, page = 'notes'): Promise<string> {
  const { status, body } = await fromPage(
    'POST',
    '/comments',
    { page_url: `${ORIGIN}/${page}`, content },
    token,
  );
  expect(status, JSON.stringify(body)).toBe(201);
  return body.comment.i;
}

const thread = async (page = 'notes') =>
  (await fromPage('GET', `/comments?page_url=${encodeURIComponent(`${ORIGIN}/${page}`)}`)).body;

describe('the moderation console’s calls', () => {
  it('lists held comments across pages, and approves, rejects and deletes them', async () => {
    const gus = await guest('Gus');
    const first = await post(gus.token, 'First, on notes');
    const second = await post(gus.token, 'Second, elsewhere', 'other');
    const third = await post(gus.token, 'Third, on notes');

    const queue = await admin.queue();
    expect(queue.total).toBe(3);
    expect(queue.comments.map((c) => [c.t, c.page_url])).toContainEqual([
      'Second, elsewhere',
      `${ORIGIN}/other`,
    ]);

    await admin.decide('approve', [first, second]);
    await admin.decide('reject', [third]);
    expect(await admin.queue()).toEqual({ comments: [], total: 0 });
    expect((await thread()).tree.comments.map((c: { t: string }) => c.t)).toEqual(['First, on notes']);
    await admin.deleteComment(first);
    expect((await thread()).total).toBe(0);
  });

  it('bans and shadow-bans commenters, lists them, and lifts both', async () => {
    const spammer = await guest('Spammer');
    const lurker = await guest('Lurker');
    await admin.ban(spammer.id, { reason: 'spam' });
    await admin.shadowban(lurker.id, true);
    expect((await admin.banned()).users.map((u) => [u.id, u.name, u.guest])).toEqual([
      [spammer.id, 'Spammer', true],
    ]);
    expect((await admin.shadowbanned()).users.map((u) => u.id)).toEqual([lurker.id]);
    // Banned: their sessions ended, and no sign-in lets them back.
    const refused = await fromPage(
      'POST',
      '/comments',
      { page_url: `${ORIGIN}/notes`, content: 'x' },
      spammer.token,
    );
    expect([refused.status, refused.body.code]).toEqual([403, 'banned']);

    await admin.unban(spammer.id);
    await admin.shadowban(lurker.id, false);
    expect((await admin.banned()).users).toEqual([]);
    expect((await admin.shadowbanned()).users).toEqual([]);
  });

  it('locks and unlocks a page and the whole site', async () => {
    await admin.lock(true, { page_url: `${ORIGIN}/notes` });
    expect((await thread()).locked).toBe(true);
    expect((await thread('other')).locked).toBe(false);
    await admin.lock(false, { page_url: `${ORIGIN}/notes` });
    await admin.lock(true);
    expect((await thread('other')).locked).toBe(true);
    await admin.lock(false);
    expect((await thread()).locked).toBe(false);
  });

  it('gives and takes roles by account e-mail, and says when no account has the address', async () => {
    const registered = await fromPage('POST', '/auth/register', {
      name: 'Maria',
      email: 'maria@example.com',
      password: 'correct horse battery staple',
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const maria = registered.body.user.id as string;

    await admin.promote('moderator', site.id, { email: 'maria@example.com' });
    expect((await admin.members('moderator', site.id)).map((m) => m.id)).toEqual([maria]);
    await admin.demote('moderator', site.id, maria);
    await admin.promote('admin', site.id, { user_id: maria });
    expect((await admin.members('admin', site.id)).map((m) => m.id)).toEqual([maria]);
    await admin.demote('admin', site.id, maria);
    expect(await admin.members('admin', site.id)).toEqual([]);

    const refused = await admin
      .promote('admin', site.id, { email: 'nobody@example.com' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'ThreadKitError', code: 'not_found', status: 404 });
  });

  it('records every action with the owner as actor', async () => {
    const { entries, total } = await admin.audit(0, 100);
    expect(total).toBeGreaterThan(5);
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set([`owner:${owner.id}`]));
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['approve_comment', 'reject_comment', 'ban_user', 'unban_user']),
    );
  });

  it('tells the owner when the comment server does not answer, and passes on its refusals', async () => {
    const away = new CommentServer({
      apiUrl: `http://127.0.0.1:${await freePort()}`,
      tokens: new OwnerTokens(SECRET),
    });
    await expect(away.asOwner(owner.id, site).queue()).rejects.toMatchObject({ code: 'unavailable' });
    // A token signed with another secret is refused by the comment server.
    const forged = new CommentServer({
      apiUrl,
      tokens: new OwnerTokens(randomBytes(32).toString('base64url')),
    });
    await expect(forged.asOwner(owner.id, site).queue()).rejects.toMatchObject({
      code: 'unauthorized',
      status: 401,
    });
    await expect(admin.ban('0cZdmZixoJscOFqiPZ6LHx')).rejects.toMatchObject({ code: 'not_found' });
  });
});
