import {
  DEFAULT_SETTINGS,
  generateApiKey,
  keys,
  MailQueueStore,
  newId,
  type RedisClient,
  resolvePage,
  type SitePurgeOptions,
  SitePurgeStore,
  SitePurges,
  SiteStore,
} from '@threadkit/core';
import { startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Site = Parameters<SiteStore['create']>[0];

/**
 * Deleting a site's data (`SitePurges`): every key of the site goes, including
 * those written while the purge waits for its margin, and nothing of any other
 * site; the site's queued e-mails go too. A worker that stops leaves the purge
 * to the next, and the per-site lock keeps two workers from working on one site
 * at once. The same suite runs on a single server and on a 3-master cluster.
 */
export function describeSitePurges(name: string, options: { cluster: boolean }) {
  describe(name, () => {
    let api: TestApi;
    /** The workers' clock: tests move it past the margin instead of waiting 10 s. */
    let now = Date.now();
    const clock = () => now;
    const MARGIN = 10_000;

    beforeAll(async () => {
      api = await startTestApi({ cluster: options.cluster });
      // The workers under test are made here; the app's own would take their purges.
      await api.context.purges.stop();
    }, 60_000);
    afterAll(async () => {
      await api?.stop();
    });

    interface TestSite {
      id: string;
      record: Site;
      call(options: InjectOptions & { token?: string }): ReturnType<TestApi['call']>;
    }

    /** Another site in the same Redis, reached by its own public key from the test origin. */
    async function newSite(): Promise<TestSite> {
      const id = newId();
      const publicKey = generateApiKey('public');
      const record: Site = {
        id,
        name: `Site ${id}`,
        domain: null,
        settings: { ...DEFAULT_SETTINGS, allowed_origins: [TEST_ORIGIN] },
        created_at: Math.floor(Date.now() / 1000),
      };
      await new SiteStore(api.redis).create(record, { publicKey, secretKey: generateApiKey('secret') });
      return {
        id,
        record,
        call: ({ token, headers, ...rest }) =>
          api.app.inject({
            ...rest,
            headers: {
              projectid: publicKey,
              origin: TEST_ORIGIN,
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...headers,
            },
          }),
      };
    }

    async function ok(site: TestSite, request: InjectOptions & { token?: string }, status = 200) {
      const response = await site.call(request);
      expect(response.statusCode, `${request.method} ${request.url}: ${response.body}`).toBe(status);
      return response.body ? response.json() : null;
    }

    const guest = async (site: TestSite, name: string) =>
      (await ok(site, { method: 'POST', url: '/v1/auth/guest', payload: { name } }, 201)).token as string;

    /**
     * Fills a site through the API: commenters (guests and an account), sessions,
     * comments and replies on two pages, votes, a report, notifications, page
     * views, usage and rate-limit counters, the pages' live event logs.
     */
    async function fill(site: TestSite): Promise<void> {
      const ann = await guest(site, 'Ann');
      const bob = await guest(site, 'Bob');
      await ok(
        site,
        {
          method: 'POST',
          url: '/v1/auth/register',
          payload: {
            name: 'Cy',
            email: `cy-${site.id}@example.com`,
            password: 'correct horse battery staple',
          },
        },
        201,
      );
      for (const page of ['https://blog.example.com/one', 'https://blog.example.com/two']) {
        const root = (
          await ok(
            site,
            { method: 'POST', url: '/v1/comments', token: ann, payload: { page_url: page, content: 'Root' } },
            201,
          )
        ).comment;
        const reply = (
          await ok(
            site,
            {
              method: 'POST',
              url: '/v1/comments',
              token: bob,
              payload: { page_url: page, content: 'A reply, @Ann', parent_id: root.i },
            },
            201,
          )
        ).comment;
        await ok(site, {
          method: 'POST',
          url: `/v1/comments/${root.i}/vote`,
          token: bob,
          payload: { direction: 'up' },
        });
        await ok(
          site,
          {
            method: 'POST',
            url: `/v1/comments/${reply.i}/report`,
            token: ann,
            payload: { reason: 'spam' },
          },
          204,
        );
        await ok(site, { method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(page)}` });
      }
      await api.context.notifications.settled();
      await ok(site, { method: 'GET', url: '/v1/notifications', token: ann });
      await Promise.all([
        api.context.pages.flush(),
        api.context.usage.flush(),
        api.context.rateLimiter.flush(),
      ]);
    }

    /**
     * A write that lands after the purge began, as one that a server still vouching for the site
     * took (through the services: the site's own record is gone by then): a commenter, a comment.
     */
    async function lateWrite(site: TestSite, name: string): Promise<void> {
      const { token } = await api.context.auth.createGuest(site.record, name);
      await api.context.comments.create(site.record, await api.context.auth.authenticate(site.id, token), {
        page: resolvePage(site.id, { page_url: 'https://blog.example.com/one' }),
        content: 'Just in time',
      });
      await api.context.notifications.settled();
      // The comment's count in the site's usage, which the meter writes within a second.
      await api.context.usage.flush();
    }

    /** Every key of a site, on every master. */
    async function keysOf(siteId: string): Promise<string[]> {
      const nodes: RedisClient[] = 'nodes' in api.redis ? api.redis.nodes('master') : [api.redis];
      const found = new Set<string>();
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, batch] = await node.scan(cursor, 'MATCH', `tk:{${siteId}}*`, 'COUNT', 1000);
          cursor = next;
          for (const key of batch) found.add(key);
        } while (cursor !== '0');
      }
      return [...found].sort();
    }

    const recorded = async (siteId: string) => (await api.redis.zscore(keys.purges(), siteId)) !== null;

    /** A store that counts the workers' rounds (each begins by listing the purges). */
    function countingStore() {
      const store = new SitePurgeStore(api.redis);
      const counted = { store, rounds: 0 };
      const pending = store.pending.bind(store);
      store.pending = (limit) => {
        counted.rounds++;
        return pending(limit);
      };
      return counted;
    }

    /** Resolves once the worker has gone through the purges a few more times. */
    async function someRounds(counted: { rounds: number }): Promise<void> {
      const seen = counted.rounds;
      await expect.poll(() => counted.rounds).toBeGreaterThan(seen + 2);
    }

    /** A worker of its own, with a log the test reads. */
    function worker(overrides: Partial<SitePurgeOptions> = {}, store = new SitePurgeStore(api.redis)) {
      const lines: { message: string; details: Record<string, unknown> }[] = [];
      const log = {
        info: (details: Record<string, unknown>, message: string) => lines.push({ message, details }),
        warn: (details: Record<string, unknown>, message: string) => lines.push({ message, details }),
      };
      const purges = new SitePurges(
        { store, mail: new MailQueueStore(api.redis), log },
        { clock, pollMs: 10, batch: 20, marginMs: MARGIN, ...overrides },
      );
      return { purges, lines };
    }

    it("removes every key of the site and its queued e-mails, what came in during the margin too, and nothing of another site's", async () => {
      const [gone, kept] = [await newSite(), await newSite()];
      await fill(gone);
      await fill(kept);
      const mail = new MailQueueStore(api.redis);
      const email = { to: 'ann@example.com', subject: 'Hi', text: 'Hi', html: '<p>Hi</p>' };
      // Due in an hour, so the app's mail worker leaves them be.
      await mail.enqueue({ id: newId(), attempts: 0, site: gone.id, email }, Date.now() + 3_600_000);
      await mail.enqueue({ id: newId(), attempts: 0, site: kept.id, email }, Date.now() + 3_600_000);
      const before = await keysOf(gone.id);
      const kinds = new Set(before.map((key) => key.split(':')[2]));
      // The site record, pages, comments, users, sessions, logins, codes, rate limits, usage, reports…
      expect([...kinds].sort()).toEqual(
        expect.arrayContaining(['c', 'code', 'limit', 'login', 'p', 'rl', 'rq', 's', 'u', 'usage']),
      );
      const keptKeys = await keysOf(kept.id);
      const standaloneKeys = await keysOf(api.site.id);

      const counted = countingStore();
      const { purges, lines } = worker({}, counted.store);
      purges.start();
      try {
        await purges.request(gone.id);
        await expect.poll(() => keysOf(gone.id)).toEqual([]);
        // Until the margin is over, servers may still write for the site: the purge waits for it.
        await lateWrite(gone, 'Late');
        const late = await keysOf(gone.id);
        expect(late.length).toBeGreaterThan(0);
        await someRounds(counted);
        expect(await keysOf(gone.id)).toEqual(late);
        expect(await recorded(gone.id)).toBe(true);

        now += MARGIN;
        await expect.poll(() => recorded(gone.id)).toBe(false);
        expect(await keysOf(gone.id)).toEqual([]);
        expect(await keysOf(kept.id)).toEqual(keptKeys);
        expect(await keysOf(api.site.id)).toEqual(standaloneKeys);
        const queued = (await api.redis.zrange(keys.mailQueue(), 0, -1)).map((raw) => JSON.parse(raw));
        expect(queued.map((job) => job.site)).toEqual([kept.id]);
        expect(await api.redis.exists(keys.purgeLock(gone.id))).toBe(0);

        const finished = lines.find((line) => line.message === 'site purge: finished');
        expect(finished?.details).toMatchObject({
          site: gone.id,
          keys_removed: before.length + late.length,
          mails_dropped: 1,
        });
        const about = lines.filter((line) => line.details.site === gone.id);
        expect(about.map((line) => line.message)).toEqual(['site purge: started', 'site purge: finished']);
      } finally {
        await purges.stop();
      }
    });

    it('is carried on by the next worker when one stops in the middle', async () => {
      const site = await newSite();
      await fill(site);
      const store = new SitePurgeStore(api.redis);
      let steps = 0;
      const first = worker({}, store);
      // The first worker stops after its second step: in the middle of a pass on a single server.
      const step = store.step.bind(store);
      store.step = async (...args) => {
        const result = await step(...args);
        if (++steps === 2) void first.purges.stop();
        return result;
      };
      first.purges.start();
      await first.purges.request(site.id);
      await expect.poll(() => steps).toBeGreaterThanOrEqual(2);
      await first.purges.stop();
      now += MARGIN;
      expect(await recorded(site.id)).toBe(true);
      // It let its lock go, so the next worker need not wait for it to run out.
      expect(await api.redis.exists(keys.purgeLock(site.id))).toBe(0);

      const second = worker();
      second.purges.start();
      try {
        await expect.poll(() => recorded(site.id)).toBe(false);
        expect(await keysOf(site.id)).toEqual([]);
        const about = second.lines.filter((line) => line.details.site === site.id);
        expect(about.map((line) => line.message)).toEqual(['site purge: started', 'site purge: finished']);
      } finally {
        await second.purges.stop();
      }
    });

    it('leaves a site to the worker holding its lock, and two workers never work on one site at once', async () => {
      const [held, free] = [await newSite(), await newSite()];
      await fill(held);
      await fill(free);
      const heldKeys = await keysOf(held.id);
      await api.redis.set(keys.purgeLock(held.id), 'another worker', 'PX', 60_000);
      const one = worker();
      one.purges.start();
      try {
        await one.purges.request(held.id);
        await one.purges.request(free.id);
        now += MARGIN;
        // Each round looks at the held site first (it was asked first), and leaves it.
        await expect.poll(() => recorded(free.id)).toBe(false);
        expect(await keysOf(held.id)).toEqual(heldKeys);
        await api.redis.del(keys.purgeLock(held.id));
        await expect.poll(() => recorded(held.id)).toBe(false);
        expect(await keysOf(held.id)).toEqual([]);
      } finally {
        await one.purges.stop();
      }

      // Two workers on the same site: each step is timed, and no two overlap.
      const site = await newSite();
      await fill(site);
      const count = (await keysOf(site.id)).length;
      const steps: { worker: number; start: number; end: number; removed: number }[] = [];
      const timed = (n: number) => {
        const store = new SitePurgeStore(api.redis);
        const step = store.step.bind(store);
        store.step = async (...args) => {
          const start = performance.now();
          const result = await step(...args);
          steps.push({ worker: n, start, end: performance.now(), removed: result.removed });
          return result;
        };
        return worker({ batch: 5 }, store).purges;
      };
      const workers = [timed(1), timed(2)];
      for (const purges of workers) purges.start();
      try {
        await Promise.all(workers.map((purges) => purges.request(site.id)));
        now += MARGIN;
        await expect.poll(() => recorded(site.id)).toBe(false);
      } finally {
        await Promise.all(workers.map((purges) => purges.stop()));
      }
      expect(await keysOf(site.id)).toEqual([]);
      expect(steps.reduce((sum, s) => sum + s.removed, 0)).toBe(count);
      for (const a of steps) {
        for (const b of steps) {
          if (a.worker < b.worker) expect(a.end <= b.start || b.end <= a.start).toBe(true);
        }
      }
    });

    it('waits for the margin of the latest request when the site is asked for again', async () => {
      const site = await newSite();
      await fill(site);
      const counted = countingStore();
      const { purges } = worker({}, counted.store);
      purges.start();
      try {
        await purges.request(site.id);
        await expect.poll(() => keysOf(site.id)).toEqual([]);
        now += MARGIN / 2;
        await purges.request(site.id);
        await someRounds(counted);
        await lateWrite(site, 'Again');
        const late = await keysOf(site.id);
        now += MARGIN / 2 + 1;
        // The first request's margin is over, but not the second's: what came late stays for now.
        await someRounds(counted);
        expect(await keysOf(site.id)).toEqual(late);
        expect(await recorded(site.id)).toBe(true);
        now += MARGIN;
        await expect.poll(() => recorded(site.id)).toBe(false);
        expect(await keysOf(site.id)).toEqual([]);
      } finally {
        await purges.stop();
      }
    });
  });
}
