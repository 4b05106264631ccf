import { perFileRedis, type RedisClusterHandle, startRedisCluster } from '@threadkit/testing';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadKitError } from '../errors.js';
import { newId } from '../ids.js';
import { keys } from '../keys.js';
import { resolvePage } from '../page-identity.js';
import { CommentStore } from './comment-store.js';

/**
 * `REDIS_WAIT_REPLICAS` in the store: each comment write waits with `WAIT` for
 * the replicas asked for and is refused as `unavailable` when fewer confirm it,
 * though it was kept on the primary; on a Cluster the `WAIT` goes to the node of
 * the write's slot, where the write went.
 */

const SITE = newId();
const PAGE = resolvePage(SITE, { page_url: 'https://blog.example.com/replicas' });

async function create(store: CommentStore, id = newId()) {
  await store.create(
    SITE,
    {
      id,
      pageId: PAGE.id,
      parentId: '',
      authorId: 'author',
      markdown: 'kept?',
      html: '',
      createdMs: Date.now(),
      status: 'approved',
      holdReason: '',
    },
    {
      isModerator: false,
      pageUrl: PAGE.url,
      pageKey: PAGE.key,
      queue: false,
      maxDepth: 6,
      usage: { month: '2026-12', day: '2026-12-07', limit: 0 },
    },
  );
  return id;
}

/** What a promise rejected with, or a failure when it resolved. */
async function refusal(promise: Promise<unknown>): Promise<ThreadKitError> {
  const error = await promise.then(
    () => new Error('the write was acknowledged'),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ThreadKitError)) throw error;
  return error;
}

describe('on a Redis without replicas', () => {
  const db = perFileRedis();

  it('acknowledges writes without waiting when no replica is asked for', async () => {
    const store = new CommentStore(db.redis, null);
    const id = await create(store);
    expect((await store.get(SITE, id))?.i).toBe(id);
  });

  it('refuses each comment write as unavailable when no replica confirms it, though the primary kept it', async () => {
    const waiting = new CommentStore(db.redis, { replicas: 1, timeoutMs: 20 });
    const plain = new CommentStore(db.redis, null);
    const id = newId();
    const created = await refusal(create(waiting, id));
    expect(created.code).toBe('unavailable');
    expect(created.message).toMatch(/0 of the 1 replicas.*may still have been kept/s);
    expect((await plain.get(SITE, id))?.i).toBe(id);

    const voted = await refusal(
      waiting.vote(SITE, id, { voterId: 'voter', direction: 'up', voterIsModerator: false }),
    );
    expect(voted.code).toBe('unavailable');
    expect((await plain.votesOf(SITE, 'voter', [id])).get(id)).toBe('up');

    const edited = await refusal(
      waiting.edit(SITE, id, {
        editorId: 'author',
        markdown: 'edited',
        html: '',
        now: Date.now(),
        hold: false,
        holdReason: '',
        queue: false,
      }),
    );
    expect(edited.code).toBe('unavailable');

    const deleted = await refusal(waiting.delete(SITE, id, { id: 'author', rank: 0, now: Date.now() }));
    expect(deleted.code).toBe('unavailable');
  });
});

describe('on a Redis Cluster with a replica per master', () => {
  let cluster: RedisClusterHandle;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 1 });
    client = new Cluster(cluster.nodes);
    await new Promise((resolve) => client.once('ready', resolve));
  }, 120_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  /** WAIT calls each master has run, by port. */
  async function waitCalls(): Promise<Map<number, number>> {
    const calls = new Map<number, number>();
    for (const node of client.nodes('master')) {
      const stats = await node.info('commandstats');
      calls.set(Number(node.options.port), Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0));
    }
    return calls;
  }

  it("waits on the master of the write's slot, and acknowledges once its replica confirms", async () => {
    const store = new CommentStore(client, { replicas: 1, timeoutMs: 2000 });
    const before = await waitCalls();
    const id = await create(store);
    const after = await waitCalls();
    const owner = await cluster.masterOf(keys.page(SITE, PAGE.id));
    const ran = [...after].filter(([port, n]) => n > (before.get(port) ?? 0)).map(([port]) => port);
    expect(ran).toEqual([owner]);
    expect((await store.get(SITE, id))?.i).toBe(id);
  });
});
