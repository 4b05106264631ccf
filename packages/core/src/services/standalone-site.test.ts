import { perFileRedis } from '@threadkit/testing';
import { expect, it } from 'vitest';
import { keys } from '../keys.js';
import { SiteStore } from '../store/site-store.js';
import { SiteService } from './site-service.js';

/** The standalone site on a real Redis: made once, however many instances start at once. */
const db = perFileRedis({ flushEach: true });

const NO_CONFIG = { name: null, domain: null, allowedOrigins: null, publicKey: null, secretKey: null };
const instance = () => new SiteService(new SiteStore(db.redis));

it('makes one site when several instances start together on an empty Redis', async () => {
  const started = await Promise.all(
    Array.from({ length: 6 }, () => instance().ensureStandaloneSite(NO_CONFIG)),
  );
  const ids = new Set(started.map((bootstrap) => bootstrap.site.id));
  expect(ids.size).toBe(1);
  // One instance made it, with keys it generated and printed; the others found it.
  const makers = started.filter((bootstrap) => bootstrap.created);
  expect(makers).toHaveLength(1);
  expect(makers[0]!.generated.publicKey).toMatch(/^tk_pub_/);
  expect(started.filter((bootstrap) => bootstrap.generated.publicKey)).toHaveLength(1);
  expect(await db.redis.get(keys.standaloneSite())).toBe([...ids][0]);
  // Only its keys are indexed: no other instance's generated pair.
  expect(await db.redis.keys(keys.apiKey('*'))).toHaveLength(2);
  const service = instance();
  const resolved = await service.resolveApiKey(makers[0]!.generated.publicKey!);
  expect(resolved.site.id).toBe([...ids][0]);
});

it('keeps the keys from the environment when instances start together', async () => {
  const config = {
    ...NO_CONFIG,
    publicKey: 'tk_pub_ssssssssssssssssssssssss',
    secretKey: 'tk_sec_ssssssssssssssssssssssssssssssss',
  };
  const started = await Promise.all(Array.from({ length: 4 }, () => instance().ensureStandaloneSite(config)));
  expect(new Set(started.map((bootstrap) => bootstrap.site.id)).size).toBe(1);
  expect(started.every((bootstrap) => Object.keys(bootstrap.generated).length === 0)).toBe(true);
  const resolved = await instance().resolveApiKey(config.secretKey);
  expect(resolved.site.id).toBe(started[0]!.site.id);
});

it('writes the site when the instance that claimed it died before writing it', async () => {
  // What such an instance leaves: the claim, and no site.
  await db.redis.set(keys.standaloneSite(), '0mQ0hJ3vS8uKq5nW2yXc7A');
  const bootstrap = await new SiteService(new SiteStore(db.redis), 5000, 200).ensureStandaloneSite(NO_CONFIG);
  expect(bootstrap.created).toBe(true);
  expect(bootstrap.site.id).toBe('0mQ0hJ3vS8uKq5nW2yXc7A');
  expect((await instance().ensureStandaloneSite(NO_CONFIG)).created).toBe(false);
});
