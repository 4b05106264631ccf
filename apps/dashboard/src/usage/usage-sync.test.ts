import { randomBytes } from 'node:crypto';
import { PLANS, UsageStore } from '@threadkit/core';
import { inArray } from 'drizzle-orm';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerPlans } from '../billing/plans';
import type { DatabaseHandle } from '../db/database';
import { owners, sites as sitesTable, usagePages, usageRecords, usageSync } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { type SaasStack, startSaas } from '../internal/saas.testing';
import type { SiteView } from '../sites/sites';
import { mailForFile } from '../test-support';
import { Analytics, seriesCsv } from './analytics';
import { UsageSync } from './usage-sync';

/**
 * The usage sync and the analytics read from it: a MODE=saas comment server
 * counts a scripted mix over several days of an injected clock into Redis;
 * the sync copies it into Postgres exactly, the same rows however often it
 * runs and however a run was cut short; the queries behind the charts give
 * the figures back; an owner is told once at 80 % and once at 100 %.
 */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;
const DAY = 86_400_000;
const ORIGIN = 'https://counted.example';
const mail = mailForFile();

let now = Date.UTC(2026, 2, 29, 10);
let saas: SaasStack;
let site: SiteView;
let other: SiteView;
let sync: UsageSync;
let analytics: Analytics;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

beforeAll(async () => {
  saas = await startSaas(pglite, 'usage', { secret: SECRET, context: { clock: () => now } });
  ({ site } = await saas.addSite('Counted', ORIGIN));
  ({ site: other } = await saas.addSite('Other', 'https://other.example'));
  await madeNow(site.id, other.id);
  sync = syncOn(saas.handle);
  analytics = new Analytics(saas.handle.db, () => now);
});
afterAll(async () => {
  await saas?.close();
});

function syncOn(handle: DatabaseHandle, onSiteSynced?: (siteId: string) => void) {
  return new UsageSync({
    db: handle.db,
    redis: saas.redis,
    plans: new OwnerPlans(handle.db, () => now),
    mailer: mail.mailer,
    link: (path) => `https://dashboard.test${path}`,
    now: () => now,
    ...(onSiteSynced ? { onSiteSynced } : {}),
  });
}

const call = (
  app: FastifyInstance,
  target: SiteView,
  origin: string,
  options: InjectOptions & { token?: string },
) =>
  app.inject({
    ...options,
    headers: {
      projectid: target.publicKey,
      origin,
      'user-agent': 'Reader',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
  });

async function guest(name: string): Promise<string> {
  const response = await call(saas.app, site, ORIGIN, {
    method: 'POST',
    url: '/v1/auth/guest',
    payload: { name },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().token;
}

const comment = async (token: string, page: string, content: string) => {
  const response = await call(saas.app, site, ORIGIN, {
    method: 'POST',
    url: '/v1/comments',
    token,
    payload: { page_url: `${ORIGIN}/${page}`, content },
  });
  expect(response.statusCode, response.body).toBe(201);
};
const read = async (page: string, token?: string) => {
  const response = await call(saas.app, site, ORIGIN, {
    method: 'GET',
    url: `/v1/comments?page_url=${encodeURIComponent(`${ORIGIN}/${page}`)}`,
    ...(token ? { token } : {}),
  });
  expect(response.statusCode, response.body).toBe(200);
};

/** The sites were made at the test's clock, not the machine's: the sync copies from a site's first day. */
async function madeNow(...ids: string[]) {
  await saas.handle.db
    .update(sitesTable)
    .set({ createdAt: new Date(now) })
    .where(inArray(sitesTable.id, ids));
}

/** Every row the sync wrote, in a fixed order, to compare two databases. */
async function dump(handle: DatabaseHandle) {
  const records = await handle.db.select().from(usageRecords);
  const pages = await handle.db.select().from(usagePages);
  const state = await handle.db
    .select({ siteId: usageSync.siteId, through: usageSync.syncedThrough })
    .from(usageSync);
  const order = (rows: object[]) => rows.map((row) => JSON.stringify(row)).sort();
  return { records: order(records), pages: order(pages), state: order(state) };
}

describe('the usage sync', () => {
  it('copies a scripted mix over three days, the end of a month among them, exactly', async () => {
    const [ada, bob] = [await guest('Ada'), await guest('Bob')];
    const first = now;
    // Day 1 (29 March): three comments on two pages, five reads by two visitors.
    await comment(ada, 'spring', 'One');
    await comment(ada, 'spring', 'Two');
    await comment(bob, 'autumn', 'Three');
    for (let i = 0; i < 3; i++) await read('spring', ada);
    for (let i = 0; i < 2; i++) await read('autumn', bob);
    await saas.context.usage.flush();
    // Day 3 (31 March) and day 4 (1 April): the month turns.
    now = first + 2 * DAY;
    await comment(bob, 'spring', 'Four');
    await read('spring');
    await saas.context.usage.flush();
    now = first + 3 * DAY;
    await comment(ada, 'autumn', 'Five');
    for (let i = 0; i < 4; i++) await read('autumn', ada);
    await saas.context.usage.flush();

    await sync.syncAll();
    const value = async (period: string, metric: string) =>
      (await saas.handle.db.select().from(usageRecords)).find(
        (row) => row.siteId === site.id && row.period === period && row.metric === metric,
      )?.value ?? 0;
    expect(await value(day(first), 'comments')).toBe(3);
    expect(await value(day(first), 'pageviews')).toBe(5);
    expect(await value(day(first), 'unique_visitors')).toBe(2);
    expect(await value(day(first + DAY), 'comments')).toBe(0);
    expect(await value(day(first + 2 * DAY), 'comments')).toBe(1);
    expect(await value(day(first + 3 * DAY), 'pageviews')).toBe(4);
    expect(await value('2026-03', 'comments')).toBe(4);
    expect(await value('2026-03', 'pageviews')).toBe(6);
    expect(await value('2026-04', 'comments')).toBe(1);
    expect(await value('2026-04', 'unique_visitors')).toBe(1);

    // The charts' queries, for the site and for all the owner's sites.
    const series = await analytics.series({ siteId: site.id }, 7, ['comments', 'pageviews']);
    expect(series.get('comments')!.map((v) => v.value)).toEqual([0, 0, 0, 3, 0, 1, 1]);
    expect(series.get('pageviews')!.map((v) => v.value)).toEqual([0, 0, 0, 5, 0, 1, 4]);
    const everywhere = await analytics.series({ ownerId: saas.owner.id }, 7, ['comments']);
    expect(everywhere.get('comments')).toEqual(series.get('comments'));
    expect(seriesCsv('comments', series.get('comments')!.slice(-2))).toBe(
      `day,comments\n${day(first + 2 * DAY)},1\n${day(first + 3 * DAY)},1\n`,
    );
    const top = await analytics.topPages({ siteId: site.id }, 30, 'comments');
    expect(top.map((p) => [p.url, p.comments, p.views])).toEqual([
      [`${ORIGIN}/spring`, 3, 4],
      [`${ORIGIN}/autumn`, 2, 6],
    ]);
  });

  it('leaves the same rows when run again, and when a run stopped half-way is run again', async () => {
    const before = await dump(saas.handle);
    await sync.syncAll();
    expect(await dump(saas.handle)).toEqual(before);

    // Two more dashboards' databases: one synced in one go, one whose first run stops after a site.
    const [whole, broken] = await Promise.all([pglite.open('usage-whole'), pglite.open('usage-broken')]);
    try {
      for (const handle of [whole, broken]) await copySites(handle);
      await syncOn(whole).syncAll();
      let synced = 0;
      const crashing = syncOn(broken, () => {
        if (++synced === 1) throw new Error('the dashboard stopped');
      });
      await expect(crashing.syncAll()).rejects.toThrow('the dashboard stopped');
      expect((await dump(broken)).state).toHaveLength(1);
      await syncOn(broken).syncAll();
      expect(await dump(broken)).toEqual(await dump(whole));
    } finally {
      await whole.close();
      await broken.close();
    }
  });

  it('tells the paying owner once at 80 % and once at 100 % of a monthly limit', async () => {
    const [owner] = (await saas.handle.db
      .insert(owners)
      .values({ id: 'thrifty', email: 'thrifty@example.com', emailVerifiedAt: new Date(now) })
      .returning()) as [typeof owners.$inferSelect];
    const { site: small } = await saas.sites.create(owner, { name: 'Small', domain: 'small.example' });
    await madeNow(small.id);
    const limit = PLANS.free.limits.pageviewsPerMonth;
    // The page views a busy month brings, added as the comment servers' meter adds a day's batch.
    const usage = new UsageStore(saas.redis);
    const views = (n: number) =>
      usage.add(small.id, day(now), {
        counts: new Map([['pageviews', n]]),
        monthVisitors: [],
        dayVisitors: [],
        pageViews: new Map(),
      });
    await views(limit * 0.8 - 1);
    await sync.syncSite(small.id);
    expect(mail.smtp.messagesTo(owner.email)).toHaveLength(0);
    await views(1);
    await sync.syncSite(small.id);
    await sync.syncSite(small.id);
    const near = await mail.smtp.nextMessage(owner.email);
    expect(near.subject).toBe('Small is near its monthly page views limit');
    expect(near.text).toContain(`${(limit * 0.8).toLocaleString('en-US')} page views this month, 80 %`);
    await views(limit * 0.2);
    await sync.syncSite(small.id);
    expect((await mail.smtp.nextMessage(owner.email)).subject).toBe(
      'Small reached its monthly page views limit',
    );
    await sync.syncSite(small.id);
    expect(mail.smtp.messagesTo(owner.email)).toHaveLength(2);
  });
});

/** The test's sites and their owner, in another dashboard database, as the first one has them. */
async function copySites(handle: DatabaseHandle) {
  const { sites: siteRows, siteOwners: ownerRows } = await import('../db/schema');
  await handle.db.insert(owners).values(saas.owner);
  const all = await saas.handle.db.select().from(siteRows);
  await handle.db.insert(siteRows).values(all.filter((row) => row.id === site.id || row.id === other.id));
  const owned = await saas.handle.db.select().from(ownerRows);
  await handle.db
    .insert(ownerRows)
    .values(owned.filter((row) => row.siteId === site.id || row.siteId === other.id));
}
