import { randomBytes } from 'node:crypto';
import { keys, monthOf, PLANS, sitePlan } from '@threadkit/core';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerPlans } from '../billing/plans';
import { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import type { SiteView } from '../sites/sites';
import { DASHBOARD_URL, type SaasStack, startSaas } from './saas.testing';

/**
 * A site's plan, as the comment servers in MODE=saas enforce it from the
 * dashboard's answer about its key: the month's comments counted exactly
 * across servers, moderators, a site its owner's plan left out, and how many
 * sites an owner may add.
 */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;
const ORIGIN = 'https://frugal.example';
const FREE = PLANS.free.limits;

let saas: SaasStack;
let plans: OwnerPlans;
let frugal: typeof owners.$inferSelect;
let site: SiteView;
let secretKey: string;

beforeAll(async () => {
  saas = await startSaas(pglite, 'plans', { secret: SECRET });
  plans = new OwnerPlans(saas.handle.db);
  [frugal] = (await saas.handle.db
    .insert(owners)
    .values({ id: 'frugal', email: 'frugal@example.com', emailVerifiedAt: new Date() })
    .returning()) as [typeof owners.$inferSelect];
  ({ site, secretKey } = await saas.sites.create(frugal, {
    name: 'Frugal',
    domain: 'frugal.example',
    allowedOrigins: [ORIGIN],
  }));
});
afterAll(async () => {
  await saas?.close();
});

const call = (app: FastifyInstance, options: InjectOptions & { token?: string }) =>
  app.inject({
    ...options,
    headers: {
      projectid: site.publicKey,
      origin: ORIGIN,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
  });

const asOwner = (options: InjectOptions) =>
  saas.app.inject({ ...options, headers: { projectid: secretKey } });

async function guests(app: FastifyInstance, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await call(app, {
      method: 'POST',
      url: '/v1/auth/guest',
      payload: { name: `Guest ${i}` },
    });
    expect(response.statusCode, response.body).toBe(201);
    tokens.push(response.json().token);
  }
  return tokens;
}

describe('plans enforced in MODE=saas', () => {
  it('tells the comment server the site plan of its paying owner', async () => {
    expect(await plans.ofSite({ id: site.id })).toEqual(sitePlan('free'));
    const verdict = await saas.sites.verifyKey(site.publicKey);
    expect(verdict?.plan).toEqual({
      id: 'free',
      writable: true,
      commentsPerMonth: FREE.commentsPerMonth,
      moderatorsPerSite: FREE.moderatorsPerSite,
      poweredBy: true,
      spamServices: false,
    });
  });

  it("links a Free site's threads to the service, and a Pro site's not, within 5 s of the change", async () => {
    const read = async () => {
      const response = await call(saas.app, { method: 'GET', url: `/v1/comments?page_url=${ORIGIN}/badge` });
      expect(response.statusCode).toBe(200);
      return response.json().powered_by as string | undefined;
    };
    // Asked twice: the second answer comes from the early path's caches.
    expect([await read(), await read()]).toEqual([DASHBOARD_URL, DASHBOARD_URL]);
    await plans.grant(frugal.id, 'pro');
    await expect.poll(read, { timeout: 10_000, interval: 200 }).toBeUndefined();
    await plans.grant(frugal.id, 'free');
    await expect.poll(read, { timeout: 10_000, interval: 200 }).toBe(DASHBOARD_URL);
  });

  it("accepts exactly the month's comments, two servers posting at once; reads and votes go on", async () => {
    const other = await saas.anotherApp();
    const servers = [saas.app, other];
    const extra = 40;
    const perServer = (FREE.commentsPerMonth + extra) / 2;
    const tokens = await Promise.all(servers.map((app) => guests(app, 10)));
    const statuses = await Promise.all(
      servers.map(async (app, s) => {
        const answered: number[] = [];
        // Each server posts ten at a time, as ten commenters would.
        for (let i = 0; i < perServer; i += 10) {
          const batch = await Promise.all(
            tokens[s]!.map((token, t) =>
              call(app, {
                method: 'POST',
                url: '/v1/comments',
                token,
                payload: { page_url: `${ORIGIN}/busy`, content: `Comment ${s}-${i + t}` },
              }),
            ),
          );
          answered.push(...batch.map((response) => response.statusCode));
        }
        return answered;
      }),
    );
    const all = statuses.flat();
    expect(all.filter((status) => status === 201)).toHaveLength(FREE.commentsPerMonth);
    expect(all.filter((status) => status === 402)).toHaveLength(extra);
    expect(Number(await saas.redis.hget(keys.usage(site.id, monthOf(Date.now())), 'comments'))).toBe(
      FREE.commentsPerMonth,
    );

    const refused = await call(other, {
      method: 'POST',
      url: '/v1/comments',
      token: tokens[1]![0]!,
      payload: { page_url: `${ORIGIN}/busy`, content: 'One more' },
    });
    expect([refused.statusCode, refused.json().code]).toEqual([402, 'plan_limit']);
    expect(refused.json().error).toBe('This site has reached its comment limit for the month.');
    const read = await call(saas.app, { method: 'GET', url: `/v1/comments?page_url=${ORIGIN}/busy&limit=5` });
    expect([read.statusCode, read.json().total]).toEqual([200, FREE.commentsPerMonth]);
    const vote = await call(saas.app, {
      method: 'POST',
      url: `/v1/comments/${read.json().tree.comments[0].i}/vote`,
      // A reader who wrote none of them (nobody votes on their own).
      token: (await guests(saas.app, 1))[0]!,
      payload: { direction: 'up' },
    });
    expect(vote.statusCode, vote.body).toBe(200);
  });

  it('names as many moderators as the plan allows, and no more', async () => {
    const people: string[] = [];
    for (const name of ['Mod', 'Another']) {
      const response = await call(saas.app, {
        method: 'POST',
        url: '/v1/auth/register',
        payload: {
          name,
          email: `${name.toLowerCase()}@frugal.example`,
          password: 'correct horse battery staple',
        },
      });
      expect(response.statusCode, response.body).toBe(201);
      people.push(response.json().user.id);
    }
    const promote = (userId: string) =>
      asOwner({ method: 'POST', url: `/v1/sites/${site.id}/moderators`, payload: { user_id: userId } });
    expect((await promote(people[0]!)).statusCode).toBeLessThan(300);
    const second = await promote(people[1]!);
    expect([second.statusCode, second.json().code]).toEqual([402, 'plan_limit']);
    expect(await saas.redis.smembers(keys.roleMembers(site.id, 'moderator'))).toEqual([people[0]]);
  });

  it('keeps a site its owner left out of their plan readable, and refuses its new comments', async () => {
    const [token] = await guests(saas.app, 1);
    await plans.chooseWritable(frugal.id, []);
    const post = () =>
      call(saas.app, {
        method: 'POST',
        url: '/v1/comments',
        token: token!,
        payload: { page_url: `${ORIGIN}/closed`, content: 'Still here?' },
      });
    // Within the directory's 5 s, every server learns it (this month's limit is reached already too).
    await expect
      .poll(async () => (await post()).json().error, { timeout: 10_000, interval: 200 })
      .toBe('This site takes no new comments on its current plan.');
    expect((await post()).statusCode).toBe(402);
    const read = await call(saas.app, { method: 'GET', url: `/v1/comments?page_url=${ORIGIN}/busy&limit=1` });
    expect(read.statusCode).toBe(200);
  });

  it('keeps the paid spam services to the plans that have them', async () => {
    await expect(
      saas.sites.changeSettings(frugal.id, site.id, { akismet_enabled: 'true' }),
    ).rejects.toMatchObject({
      problems: [
        { field: 'akismet_enabled', message: 'Free sites cannot use it: it comes with Pro and Business.' },
      ],
    });
    await saas.sites.changeSettings(frugal.id, site.id, { akismet_enabled: 'false', word_filter: 'spam' });
    await plans.grant(frugal.id, 'pro');
    const changed = await saas.sites.changeSettings(frugal.id, site.id, { moderation_api_enabled: 'true' });
    expect(changed.settings.moderation_api_enabled).toBe(true);
    await saas.sites.changeSettings(frugal.id, site.id, { moderation_api_enabled: 'false' });
    await plans.grant(frugal.id, 'free');
  });

  it("refuses a site past the owner's plan, and makes room once the plan grows", async () => {
    await expect(
      saas.sites.create(frugal, { name: 'Second', domain: 'second.example' }),
    ).rejects.toMatchObject({
      code: 'plan_limit',
      message: 'The Free plan has room for 1 site; upgrade to add more.',
    });
    await plans.grant(frugal.id, 'pro');
    // Room for it again: the site the owner had closed takes comments again.
    await plans.fitSites(frugal.id);
    expect((await plans.openSites(frugal.id)).sites.map((s) => s.open)).toEqual([true]);
    const second = await saas.sites.create(frugal, { name: 'Second', domain: 'second.example' });
    expect((await saas.sites.verifyKey(second.site.publicKey))?.plan).toEqual(sitePlan('pro'));
    // Back on Free with two sites: the newer one stops taking comments, unless the owner chooses it.
    await plans.grant(frugal.id, 'free');
    await plans.fitSites(frugal.id);
    const open = async () => (await plans.openSites(frugal.id)).sites.map((s) => [s.name, s.open]);
    expect(await open()).toEqual([
      ['Frugal', true],
      ['Second', false],
    ]);
    expect((await saas.sites.verifyKey(second.site.publicKey))?.plan.writable).toBe(false);
    await plans.chooseWritable(frugal.id, [second.site.id]);
    expect(await open()).toEqual([
      ['Frugal', false],
      ['Second', true],
    ]);
    await expect(plans.chooseWritable(frugal.id, [site.id, second.site.id])).rejects.toMatchObject({
      code: 'plan_limit',
    });
  });
});
