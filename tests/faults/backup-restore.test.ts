import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Backups of the whole Redis as docs/self-hosting.md describes them: an RDB
 * snapshot (BGSAVE, then a copy of dump.rdb) and a copy of Redis 7's
 * append-only directory, each restored onto a new redis-server with a new
 * ThreadKit server on it, which must serve the same threads, accounts and
 * sessions, and nothing written after the backup; and a snapshot restored
 * into a Redis that keeps an append-only file, the managed one's settings.
 */

let source: TestApi;
const restored: TestApi[] = [];
const backups = mkdtempSync(join(tmpdir(), 'threadkit-backup-'));
const PAGES = [`${TEST_ORIGIN}/backup-1`, `${TEST_ORIGIN}/backup-2`];
/** What each page showed when the backups were taken. */
const threads: unknown[] = [];
let guest: { token: string; userId: string };
let afterBackup = '';

/** A page's thread with its replies, as an anonymous reader gets it (comments and their counts only). */
async function thread(api: TestApi, url: string) {
  const response = await api.call({
    method: 'GET',
    url: `/v1/comments?page_url=${encodeURIComponent(url)}&sort=old`,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().tree;
}

async function info(api: TestApi): Promise<Record<string, string>> {
  const text = await api.redis.info('persistence');
  return Object.fromEntries(
    text.split('\r\n').flatMap((line) => (line.includes(':') ? [line.split(':')] : [])),
  );
}

beforeAll(async () => {
  // Durability as the managed redis-server has it: the append-only file, synced on every write.
  source = await startTestApi({ redis: { appendonly: true, args: ['--appendfsync', 'always'] } });
  guest = await source.guest('Ada');
  const bob = await source.guest('Bob');
  for (const [i, url] of PAGES.entries()) {
    const root = await source.call({
      method: 'POST',
      url: '/v1/comments',
      token: guest.token,
      payload: { page_url: url, content: `Root ${i} with **Markdown**` },
    });
    const rootId = root.json().comment.i;
    await source.call({
      method: 'POST',
      url: '/v1/comments',
      token: bob.token,
      payload: { page_url: url, content: `Reply ${i}`, parent_id: rootId },
    });
    await source.call({
      method: 'POST',
      url: `/v1/comments/${rootId}/vote`,
      token: bob.token,
      payload: { direction: 'up' },
    });
  }
  for (const url of PAGES) threads.push(await thread(source, url));
  expect(JSON.stringify(threads)).toMatch(/Root 0 with[\s\S]*Reply 0[\s\S]*Root 1 with[\s\S]*Reply 1/);

  // RDB: a snapshot in the background; done when the save count moves and none is in progress.
  const saves = Number((await info(source)).rdb_saves);
  await source.redis.bgsave('SCHEDULE');
  await eventually(
    'the background save to finish',
    () => info(source),
    (now) => Number(now.rdb_saves) > saves && now.rdb_bgsave_in_progress === '0',
  );
  expect((await info(source)).rdb_last_bgsave_status).toBe('ok');
  cpSync(join(source.backend.server!.dir, 'dump.rdb'), join(backups, 'dump.rdb'));

  // AOF: copied while no rewrite runs, with automatic rewrites paused so none starts mid-copy.
  await source.redis.config('SET', 'auto-aof-rewrite-percentage', '0');
  await eventually(
    'no AOF rewrite in progress',
    () => info(source),
    (now) => now.aof_rewrite_in_progress === '0' && now.aof_rewrite_scheduled === '0',
  );
  cpSync(join(source.backend.server!.dir, 'appendonlydir'), join(backups, 'appendonlydir'), {
    recursive: true,
  });
  await source.redis.config('SET', 'auto-aof-rewrite-percentage', '100');

  // Written after the backups: no restore may have it.
  const late = await source.call({
    method: 'POST',
    url: '/v1/comments',
    token: guest.token,
    payload: { page_url: PAGES[0], content: 'After the backup' },
  });
  afterBackup = late.json().comment.i;
}, 60_000);

afterAll(async () => {
  for (const api of restored) await api.stop();
  await source?.stop();
  rmSync(backups, { recursive: true, force: true });
});

/** A new redis-server started on a copy of the backup, and a ThreadKit server on it (the same keys). */
async function restore(place: (dir: string) => void, appendonly: boolean): Promise<TestApi> {
  const api = await startTestApi({
    redis: { appendonly },
    keys: { publicKey: source.site.publicKey, secretKey: source.site.secretKey },
    // Stopped, the backup put in place, started: the restore the docs describe.
    seed: async (server) => {
      await server.kill();
      place(server.dir);
      await server.restart();
    },
  });
  restored.push(api);
  return api;
}

async function expectSameSite(api: TestApi) {
  expect(api.site.id).toBe(source.site.id);
  for (const [i, url] of PAGES.entries()) expect(await thread(api, url)).toEqual(threads[i]);
  // The comment written after the backup is on the source, and not here.
  expect(JSON.stringify(await thread(source, PAGES[0]!))).toContain(afterBackup);
  expect(JSON.stringify(await thread(api, PAGES[0]!))).not.toContain(afterBackup);
  // Accounts and sessions came back too: the guest's token still works.
  const me = await api.call({ method: 'GET', url: '/v1/users/me', token: guest.token });
  expect(me.statusCode, me.body).toBe(200);
  expect(me.json()).toMatchObject({ id: guest.userId, name: 'Ada' });
}

it('restores an RDB snapshot (BGSAVE, dump.rdb) onto a new Redis', async () => {
  const api = await restore((dir) => cpSync(join(backups, 'dump.rdb'), join(dir, 'dump.rdb')), false);
  await expectSameSite(api);
});

it('restores an RDB snapshot into a Redis that runs with the append-only file, as the managed one does', async () => {
  // Redis 7 with appendonly on and no AOF starts empty, ignoring dump.rdb: load the snapshot with
  // appendonly off, turn it on (Redis writes the AOF from memory), and start with the AOF from then on.
  const loaded = await restore((dir) => cpSync(join(backups, 'dump.rdb'), join(dir, 'dump.rdb')), false);
  const rewrites = Number((await info(loaded)).aof_rewrites);
  await loaded.redis.config('SET', 'appendonly', 'yes');
  await eventually(
    'the append-only file written from memory',
    () => info(loaded),
    (now) =>
      now.aof_enabled === '1' &&
      Number(now.aof_rewrites) > rewrites &&
      now.aof_rewrite_in_progress === '0' &&
      now.aof_rewrite_scheduled === '0',
  );
  expect((await info(loaded)).aof_last_bgrewrite_status).toBe('ok');
  const api = await restore(
    (dir) =>
      cpSync(join(loaded.backend.server!.dir, 'appendonlydir'), join(dir, 'appendonlydir'), {
        recursive: true,
      }),
    true,
  );
  await expectSameSite(api);
});

it("restores a copy of Redis 7's append-only directory onto a new Redis", async () => {
  expect(readdirSync(join(backups, 'appendonlydir')).some((f) => f.endsWith('.manifest'))).toBe(true);
  const api = await restore((dir) => {
    rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
    cpSync(join(backups, 'appendonlydir'), join(dir, 'appendonlydir'), { recursive: true });
  }, true);
  await expectSameSite(api);
});
