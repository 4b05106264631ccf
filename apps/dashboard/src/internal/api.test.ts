import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database';
import { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { Sites } from '../sites/sites';
import { internalApi } from './api';

const SECRET = randomBytes(32).toString('base64url');
const engines = databaseEngines();

describe.each(engines)('the internal API on $name', (engine) => {
  let handle: DatabaseHandle;
  let sites: Sites;
  let api: (request: Request) => Promise<Response>;
  let now = Date.UTC(2026, 0, 1);
  const call = (path: string, init: RequestInit & { secret?: string | null } = {}) => {
    const { secret = SECRET, ...rest } = init;
    return api(
      new Request(`http://dashboard.test${path}`, {
        ...rest,
        headers: secret === null ? {} : { authorization: `Bearer ${secret}` },
      }),
    );
  };

  beforeAll(async () => {
    handle = await engine.open('internal');
    sites = new Sites(handle.db, () => now);
    api = internalApi({ secret: SECRET, sites, now: () => now });
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('refuses a missing or wrong secret the same way, before reading anything', async () => {
    for (const secret of [null, '', 'wrong', SECRET.slice(0, -1), `${SECRET}x`]) {
      const response = await call('/api/internal/keys/tk_pub_anything', { secret });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: 'The internal API needs its secret.',
        code: 'unauthorized',
      });
    }
    expect(() => internalApi({ secret: 'short', sites })).toThrow(/at least 32/);
  });

  it("answers what a key is, the secret key by its digest, and 404 for a key that is no site's", async () => {
    const [owner] = await handle.db
      .insert(owners)
      .values({ id: `o-${engine.name}`, email: `o@${engine.name}.example`, emailVerifiedAt: new Date(now) })
      .returning();
    const { site, secretKey } = await sites.create(owner!, {
      name: 'Blog',
      domain: 'blog.example',
      allowedOrigins: ['https://blog.example'],
    });
    await sites.changeSettings(owner!.id, site.id, { moderation: 'pre' });

    const answer = await call(`/api/internal/keys/${site.publicKey}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.json()).toMatchObject({
      siteId: site.id,
      kind: 'public',
      name: 'Blog',
      domain: 'blog.example',
      allowedOrigins: ['https://blog.example'],
      settings: { moderation: 'pre', allowed_origins: ['https://blog.example'] },
    });
    expect(await (await call(`/api/internal/keys/${secretKey}`)).json()).toMatchObject({ kind: 'secret' });

    const rotated = await sites.rotateKeys(owner!.id, site.id);
    expect((await call(`/api/internal/keys/${site.publicKey}`)).status).toBe(404);
    expect((await call(`/api/internal/keys/${secretKey}`)).status).toBe(404);
    expect((await call(`/api/internal/keys/${rotated.site.publicKey}`)).status).toBe(200);

    expect(await (await call(`/api/internal/sites/${site.id}`)).json()).toMatchObject({
      siteId: site.id,
      name: 'Blog',
      settings: { moderation: 'pre' },
    });
    expect(await (await call(`/api/internal/sites/${site.id}`)).json()).not.toHaveProperty('kind');

    now += 60_000;
    expect((await call(`/api/internal/sites/${site.id}/seen`, { method: 'POST' })).status).toBe(204);
    now += 60_000;
    await call(`/api/internal/sites/${site.id}/seen`, { method: 'POST' });
    expect(await sites.get(owner!.id, site.id)).toMatchObject({
      firstSeenAt: new Date(now - 60_000),
      lastSeenAt: new Date(now),
    });
  });

  it('answers 404 for anything else and 405 for a wrong method', async () => {
    expect((await call('/api/internal/sites')).status).toBe(404);
    expect((await call('/api/internal/sites/00cZibhxlqb8jHYKobMWHr')).status).toBe(404);
    expect((await call('/api/internal/keys/a/b')).status).toBe(404);
    expect((await call('/api/elsewhere')).status).toBe(404);
    expect((await call('/api/internal/keys/tk_pub_x', { method: 'DELETE' })).status).toBe(405);
    expect((await call('/api/internal/sites/not-an-id/seen', { method: 'POST' })).status).toBe(404);
  });
});
