import { readFileSync } from 'node:fs';
import {
  decodeComment,
  idFromUuid,
  keys,
  LAYOUT_VERSION,
  migrateLayout1,
  NOTIFICATION_LETTERS,
  type NotificationType,
  storedLayout,
} from '@threadkit/core';
import {
  decodeBytes,
  type RedisSnapshot,
  restoreRedis,
  type SnapshotEntry,
  startRedis,
  startTestApi,
  type TestApi,
} from '@threadkit/testing';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  differences,
  type ExpectedFile,
  type FixtureClient,
  type FixtureRequest,
  fromExpectedFile,
  type Json,
  normalise,
  type Observed,
  observe,
  renameInputIds,
} from '../fixtures/layout-1/ground-truth.js';

/**
 * `threadkit migrate` on a Redis filled by layout 1 (`tests/fixtures/layout-1`):
 * the new server, on the migrated data, answers what the layout-1 server
 * answered, every id written the new way, where layout 2 did not change the
 * answer on purpose (see `layoutOneShape`).
 */

const read = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/layout-1/${name}`, import.meta.url), 'utf8')) as T;

const snapshot = read<RedisSnapshot & { taken_at: number }>('snapshot.json');
const { inputs, answers } = fromExpectedFile(read<ExpectedFile>('expected.json'));
/** The fixture's clock: notifications are kept 90 days, so the server reads them as of when they were made. */
const takenAt = snapshot.taken_at;

/**
 * Layout 1's notification ids (UUIDs) by the id layout 2 gives the same
 * notification (its type and comment); where layout 1 kept two of the same
 * (an upvote again after the hourly window), layout 2 keeps the newest.
 */
const oldNotificationIds = new Map<string, string>();
/** Layout 1's key names are all text. */
const keyName = (entry: SnapshotEntry) => decodeBytes(entry.key).toString('utf8');
for (const key of snapshot.keys) {
  const name = keyName(key);
  if (!name.endsWith(':notifications')) continue;
  const records = new Map(
    snapshot.keys.find((k) => keyName(k) === `${name}:records`)?.value as [string, string][] | undefined,
  );
  const newestFirst = [...(key.value as [string, string][])].sort((a, b) => Number(b[1]) - Number(a[1]));
  for (const [id] of newestFirst) {
    const record = JSON.parse(records.get(id)!) as {
      type: NotificationType;
      comment_id: string;
    };
    // Ids are the user's own: two users may each have one of a comment (a mention of both).
    const user = idFromUuid(/:user:([^:]+):notifications$/.exec(name)![1]!);
    const newId = `${user}|${NOTIFICATION_LETTERS[record.type]}${idFromUuid(record.comment_id)}`;
    if (!oldNotificationIds.has(newId)) oldNotificationIds.set(newId, idFromUuid(id));
  }
}

/**
 * A layout-2 answer in layout 1's shape, where layout 2 changed the shape on
 * purpose: a signed-in reader's votes come beside the thread rather than in
 * each comment; comments count their replies (`rc`, `rx`) and say when their
 * author is a guest (`g`); a notification's id is its type and comment, and it
 * quotes its comment (`excerpt`); a site's settings have ones added since
 * (`webhooks_allow_private`).
 */
function layoutOneShape(value: Json, votes: Record<string, Json> | null, userId: string | null): Json {
  if (Array.isArray(value)) return value.map((item) => layoutOneShape(item, votes, userId));
  if (!value || typeof value !== 'object') return value;
  const object: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value)) {
    if ((key === 'rc' || key === 'rx' || key === 'g') && 'pid' in value) continue;
    if (key === 'excerpt' && 'comment_id' in value) continue;
    if (key === 'webhooks_allow_private' && 'allowed_origins' in value) continue;
    object[key] = layoutOneShape(item, votes, userId);
  }
  if (votes && 'pid' in value && 'i' in value) object.v = votes[String(value.i)] ?? null;
  if ('type' in value && 'comment_id' in value && typeof value.id === 'string') {
    object.id = oldNotificationIds.get(`${userId}|${value.id}`) ?? value.id;
  }
  return object;
}

/** Asks the layout-2 server, showing every reply of the fixture's small threads, and answers in layout 1's shape. */
function translating(api: TestApi): FixtureClient {
  const ask = async (
    send: (request: FixtureRequest) => ReturnType<TestApi['call']>,
    request: FixtureRequest,
  ) => {
    const thread = request.method === 'GET' && request.url.startsWith('/v1/comments?');
    const response = await send(thread ? { ...request, url: `${request.url}&replies=50` } : request);
    if (!response.body.startsWith('{')) return { statusCode: response.statusCode, body: response.body };
    const body = JSON.parse(response.body) as Record<string, Json>;
    const votes = thread && request.token ? ((body.votes as Record<string, Json>) ?? {}) : null;
    if (thread) delete body.votes;
    const userId = request.token ? (decodeJwt(request.token).sub ?? null) : null;
    return { statusCode: response.statusCode, body: JSON.stringify(layoutOneShape(body, votes, userId)) };
  };
  return {
    call: (request) => ask((r) => api.call(r), request),
    owner: (request) => ask((r) => api.owner(r), request),
  };
}

let api: TestApi;
let expected: Observed;
let actual: Observed;
let migrated: { keys: number; comments: number; pages: number };

beforeAll(async () => {
  api = await startTestApi({
    seed: async (server) => {
      const redis = new Redis(server.url);
      try {
        await restoreRedis(redis, snapshot);
        // Small batches, so the migration goes through many of them.
        migrated = await migrateLayout1(redis, { batch: 20, now: () => takenAt });
      } finally {
        redis.disconnect();
      }
    },
    keys: { publicKey: inputs.site.public_key, secretKey: inputs.site.secret_key },
    env: { THREADKIT_ALLOWED_ORIGINS: '' },
    context: { clock: () => takenAt },
  });
  actual = normalise(await observe(translating(api), renameInputIds(inputs, idFromUuid)));
  expected = normalise(answers, { mapId: idFromUuid });
}, 180_000);
afterAll(async () => {
  await api?.stop();
});

describe('threadkit migrate from layout 1', () => {
  it('moves every key, and records the new layout', async () => {
    expect(migrated.comments).toBeGreaterThan(20);
    // Every page with comments was placed.
    const commented = snapshot.keys
      .filter((k) => /:comment:[^:]+$/.test(keyName(k)))
      .map((k) => (JSON.parse(k.value as string) as { pg: string }).pg);
    expect(migrated.pages).toBe(new Set(commented).size);
    expect(await storedLayout(api.redis)).toBe(LAYOUT_VERSION);
    const left = await api.redis.keys('site:{*');
    expect(left).toEqual([]);
    expect(await api.redis.keys('threadkit:*')).toEqual([]);
    expect(await api.redis.keys('tk:{*}:migrate:*')).toEqual([]);
  });

  it('answers usage, page views and comment counts as before', () => {
    // Counters added after layout 1 have nothing to carry over: 0 for the migrated month.
    const added = ['votes', 'reports', 'new_commenters', 'approved', 'rejected'];
    const body = actual.usage.body as Record<string, Json>;
    expect(Object.fromEntries(added.map((name) => [name, body[name]]))).toEqual(
      Object.fromEntries(added.map((name) => [name, 0])),
    );
    const asBefore = Object.fromEntries(Object.entries(body).filter(([name]) => !added.includes(name)));
    expect(differences(expected.usage, { ...actual.usage, body: asBefore })).toEqual([]);
    expect(differences(expected.pageviews, actual.pageviews)).toEqual([]);
    expect(differences(expected.counts, actual.counts)).toEqual([]);
  });

  it('keeps every session: old refresh tokens still refresh, for the same user', () => {
    expect(differences(expected.refresh, actual.refresh)).toEqual([]);
    expect(Object.values(actual.refresh).filter((r) => r.status === 200).length).toBeGreaterThan(5);
    expect(actual.reuse).toEqual({ used: 401, current: 401 });
  });

  it('shows every thread to every viewer, in every sort, as before', () => {
    expect(differences(expected.threads, actual.threads)).toEqual([]);
  });

  it('pages through the public thread as before; staff pages hold the hidden comments of their stretch', () => {
    const anonymous = (observed: Observed) =>
      Object.fromEntries(Object.entries(observed.paged).map(([page, viewers]) => [page, viewers.anonymous]));
    expect(differences(anonymous(expected), anonymous(actual))).toEqual([]);
    // A page of the owner's view is a page of the public thread with the hidden roots that fall
    // within it merged in, so its pages may be larger; together they are the whole thread.
    const roots = (pages: { body: Json }[]) =>
      pages.flatMap((page) =>
        ((page.body as { tree: { comments: { i: string }[] } }).tree.comments ?? []).map((c) => c.i),
      );
    for (const [page, viewers] of Object.entries(actual.paged)) {
      for (const [sort, pages] of Object.entries(viewers.owner!)) {
        const whole = actual.threads[page]!.owner![sort as keyof (typeof viewers)['owner']]!;
        expect(roots(pages), `${page} ${sort}`).toEqual(roots(whole));
      }
    }
  });

  it("answers each user's profile, notifications, sessions and export as before", () => {
    expect(differences(expected.users, actual.users)).toEqual([]);
  });

  it('shows the review queue, the reports and the site to staff as before', () => {
    expect(differences(expected.moderation, actual.moderation)).toEqual([]);
    expect(differences(expected.site, actual.site)).toEqual([]);
  });

  it('stores comments compactly: HTML only where the Markdown is not plain text', async () => {
    const ids = await api.redis.keys(`tk:{${idFromUuid(inputs.site.id)}}:c:*`);
    const records = ids.filter((key) => /:c:[^:]+$/.test(key));
    let withHtml = 0;
    for (const key of records) {
      const raw = await api.redis.getBuffer(key);
      const comment = decodeComment(key.split(':').at(-1)!, raw!);
      if (raw!.includes(Buffer.from(comment.h)) && comment.h !== '') withHtml++;
    }
    expect(records.length).toBe(migrated.comments);
    expect(withHtml).toBeLessThan(records.length);
  });
});

describe('threadkit migrate, interrupted', () => {
  it('carries on where it stopped, and the server refuses to start meanwhile', async () => {
    const server = await startRedis();
    const redis = new Redis(server.url);
    try {
      await restoreRedis(redis, snapshot);
      expect(await storedLayout(redis)).toBe(1);
      // Stop after the first few batches, as a crash or Ctrl-C would.
      let batches = 0;
      await expect(
        migrateLayout1(redis, {
          batch: 10,
          now: () => takenAt,
          onProgress: () => {
            if (++batches === 3) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      expect(await storedLayout(redis)).toBe(1);
      expect((await redis.keys('site:{*')).length).toBeGreaterThan(0);
      const again = await migrateLayout1(redis, { batch: 10, now: () => takenAt });
      expect(again.comments).toBeGreaterThan(0);
      expect(await storedLayout(redis)).toBe(LAYOUT_VERSION);
      expect(await redis.keys('site:{*')).toEqual([]);
      // Every comment made it, whichever run moved it.
      const comments = snapshot.keys.filter((k) => /:comment:[^:]+$/.test(keyName(k))).length;
      const site = idFromUuid(inputs.site.id);
      expect((await redis.keys(`tk:{${site}}:c:*`)).filter((k) => /:c:[^:]+$/.test(k)).length).toBe(comments);
      expect(await redis.exists(keys.standaloneSite())).toBe(1);
      // A second run has nothing left to do.
      expect(await migrateLayout1(redis)).toEqual({ keys: 0, comments: 0, pages: 0 });
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
