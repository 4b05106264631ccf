import { randomBytes } from 'node:crypto';
import { DashboardDirectory, ThreadKitError } from '@threadkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerPlans } from '../billing/plans';
import type { DatabaseHandle } from '../db/database';
import { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { Sites } from '../sites/sites';
import { internalApi } from './api';
import { serveFetch as serve } from './serve.testing';

/** A comment server's view of the dashboard: the directory asking the real internal API over HTTP. */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ThreadKitError);
  return (error as ThreadKitError).code;
};

describe('the dashboard directory of a comment server in SaaS mode', () => {
  let handle: DatabaseHandle;
  let sites: Sites;
  let dashboard: { url: string; close(): Promise<void> };
  let owner: typeof owners.$inferSelect;
  const errors: unknown[] = [];

  beforeAll(async () => {
    handle = await pglite.open('directory');
    sites = new Sites(handle.db);
    dashboard = await serve(internalApi({ secret: SECRET, sites }));
    [owner] = (await handle.db
      .insert(owners)
      .values({ id: 'owner', email: 'owner@example.com', emailVerifiedAt: new Date() })
      .returning()) as [typeof owners.$inferSelect];
    await new OwnerPlans(handle.db).grant(owner.id, 'business');
  });
  afterAll(async () => {
    await dashboard?.close();
    await handle?.close();
  });

  const directory = (options: { url?: string; secret?: string; expireAfterMs?: number } = {}) =>
    new DashboardDirectory({
      url: options.url ?? dashboard.url,
      secret: options.secret ?? SECRET,
      refreshAfterMs: 50,
      expireAfterMs: options.expireAfterMs ?? 200,
      seenEveryMs: 0,
      onError: (error) => errors.push(error),
    });

  it('knows both keys of a site, with its settings and origins, and refuses a key that is no site’s', async () => {
    const { site, secretKey } = await sites.create(owner, {
      name: 'Blog',
      domain: 'blog.example',
      allowedOrigins: ['https://blog.example'],
    });
    await sites.changeSettings(owner.id, site.id, { moderation: 'pre' });
    const asking = directory();
    const resolved = await asking.resolveApiKey(site.publicKey);
    expect(resolved.kind).toBe('public');
    expect(resolved.site).toMatchObject({
      id: site.id,
      name: 'Blog',
      domain: 'blog.example',
      publicKey: site.publicKey,
      settings: { moderation: 'pre', allowed_origins: ['https://blog.example'] },
    });
    expect((await asking.resolveApiKey(secretKey)).kind).toBe('secret');
    expect(await refusal(asking.resolveApiKey('tk_pub_nobody'))).toBe('unauthorized');
    expect(await refusal(asking.resolveApiKey('not a key'))).toBe('unauthorized');
  });

  it('lets rotated keys and changed settings take effect once its answers expire', async () => {
    const { site } = await sites.create(owner, { name: 'Rotating', domain: 'rotating.example' });
    const asking = directory();
    expect((await asking.resolveApiKey(site.publicKey)).site.settings.moderation).toBe('none');
    await sites.changeSettings(owner.id, site.id, { moderation: 'post' });
    const rotated = await sites.rotateKeys(owner.id, site.id);
    await expect
      .poll(() => refusal(asking.resolveApiKey(site.publicKey)), { timeout: 5000 })
      .toBe('unauthorized');
    expect((await asking.resolveApiKey(rotated.site.publicKey)).site.settings.moderation).toBe('post');
  });

  it('answers the hot read path from memory, refreshing what is due in the background, never what expired', async () => {
    const { site } = await sites.create(owner, { name: 'Cached', domain: 'cached.example' });
    const asking = directory({ expireAfterMs: 60_000 });
    expect(asking.cachedApiKey(site.publicKey)).toBeUndefined();
    await asking.resolveApiKey(site.publicKey);
    expect(asking.cachedApiKey(site.publicKey)?.site.settings.moderation).toBe('none');
    // Only the cached path is asked from here on: it keeps answering and picks up the change itself.
    await sites.changeSettings(owner.id, site.id, { moderation: 'pre' });
    await expect
      .poll(() => asking.cachedApiKey(site.publicKey)?.site.settings.moderation, { timeout: 5000 })
      .toBe('pre');
    await sites.rotateKeys(owner.id, site.id);
    await expect.poll(() => asking.cachedApiKey(site.publicKey), { timeout: 5000 }).toBeUndefined();

    const expiring = directory({ expireAfterMs: 0 });
    const { site: fresh } = await sites.create(owner, { name: 'Expiring', domain: 'expiring.example' });
    await expiring.resolveApiKey(fresh.publicKey);
    expect(expiring.cachedApiKey(fresh.publicKey)).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('keeps known keys working while the dashboard is away, and answers unavailable, not unknown, for others', async () => {
    const { site } = await sites.create(owner, { name: 'Outage', domain: 'outage.example' });
    const away = await serve(internalApi({ secret: SECRET, sites }));
    // Answers expire at once here: every call asks the dashboard again.
    const asking = directory({ url: away.url, expireAfterMs: 0 });
    await asking.resolveApiKey(site.publicKey);
    await away.close();
    expect((await asking.resolveApiKey(site.publicKey)).site.id).toBe(site.id);
    expect(await refusal(asking.resolveApiKey('tk_pub_never_seen'))).toBe('unavailable');
    // A wrong secret is the operator's mistake, not the key's: unavailable too.
    expect(await refusal(directory({ secret: 'x'.repeat(40) }).resolveApiKey(site.publicKey))).toBe(
      'unavailable',
    );
    errors.length = 0;
  });

  it('reports widget sightings for the installation check', async () => {
    const { site } = await sites.create(owner, { name: 'Seen', domain: 'seen.example' });
    directory().noteSeen(site.id);
    await expect.poll(async () => (await sites.get(owner.id, site.id)).lastSeenAt).not.toBeNull();
    expect(errors).toEqual([]);
  });
});
