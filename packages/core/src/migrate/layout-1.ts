import type { Cluster, Redis } from 'ioredis';
import { keys, LAYOUT_VERSION, sitePrefix } from '../keys.js';
import { storedHtml } from '../markdown.js';
import { controversyScore, hotScore } from '../services/scores.js';
import { decodeComment, encodeComment, relisted } from '../store/comment-record.js';
import { LayoutError, MIGRATING_KEY, storedLayout } from '../store/layout.js';
import {
  NOTIFICATION_LETTERS,
  NOTIFICATIONS_KEPT,
  NOTIFICATIONS_MAX_AGE_MS,
  type NotificationType,
} from '../store/notification-store.js';
import type { RedisClient } from '../store/redis.js';
import type { StoredComment } from '../types.js';
import { type Conversion, convertId, fateOf, type KeyFate } from './layout-1-keys.js';
import { listedComments } from './listing.js';

/** How the migration is going: the step, and how many things it has done in it. */
export interface MigrationProgress {
  step: 'keys' | 'pages' | 'done';
  done: number;
}

export interface MigrationOptions {
  /** Keys read per SCAN and handled together (default 500). */
  batch?: number;
  onProgress?: (progress: MigrationProgress) => void;
  /** The clock, for notifications' age and the reset horizon of the live logs (ms). */
  now?: () => number;
}

export interface MigrationReport {
  /** Layout-1 keys moved, converted or dropped. */
  keys: number;
  comments: number;
  pages: number;
}

/** Where the comments of each page wait between the two steps: layout 2 keys of the site's slot, deleted at the end. */
const pendingPages = (siteId: string) => `${sitePrefix(siteId)}:migrate:pages`;
const pendingComments = (siteId: string, pageId: string) => `${sitePrefix(siteId)}:migrate:p:${pageId}`;

/**
 * Moves a Redis from layout 1 to layout 2, in place, while no ThreadKit
 * instance runs on it (`threadkit migrate`, docs/redis.md).
 *
 * 1. Keys: every layout-1 key is read, written under its layout-2 name with
 *    its ids rewritten (comments as compact records, notifications as compact
 *    members within their bounds), and deleted; indexes that layout 2 builds
 *    differently are dropped.
 * 2. Pages: each page's comments are placed (listed, or hidden) and its
 *    indexes built.
 *
 * It can stop anywhere and run again: a moved key is gone from layout 1, so a
 * second SCAN finds only what is left; a page is rebuilt from scratch until it
 * is done. A marker key says a migration is under way, and the server refuses
 * to start until it has finished; the layout version is recorded last.
 */
export async function migrateLayout1(
  redis: RedisClient,
  options: MigrationOptions = {},
): Promise<MigrationReport> {
  const now = options.now ?? Date.now;
  const batch = options.batch ?? 500;
  const report: MigrationReport = { keys: 0, comments: 0, pages: 0 };
  const layout = await storedLayout(redis);
  if (layout === LAYOUT_VERSION) return report;
  if (layout !== 1)
    throw new LayoutError(`Nothing to migrate: this Redis holds no ThreadKit data of layout 1.`);
  await redis.set(MIGRATING_KEY, `1 to ${LAYOUT_VERSION}`);

  const move = new KeyMover(redis, now);
  for (const pattern of ['site:{*', 'threadkit:*', 'apikey:*']) {
    await scanAll(redis, pattern, batch, async (found) => {
      const fates = found.map((key) => [key, fateOf(key)] as const);
      const counts = await Promise.all(fates.map(([key, fate]) => move.apply(key, fate)));
      report.keys += found.length;
      report.comments += counts.reduce((sum, n) => sum + n, 0);
      options.onProgress?.({ step: 'keys', done: report.keys });
    });
  }

  await scanAll(redis, 'tk:{*}:migrate:pages', batch, async (found) => {
    for (const key of found) {
      const siteId = /^tk:\{([^}]+)\}/.exec(key)![1]!;
      const shadowbanned = new Set(await redis.smembers(keys.shadowbanned(siteId)));
      for (const pageId of await redis.smembers(key)) {
        await placePage(redis, siteId, pageId, shadowbanned);
        await redis.srem(key, pageId);
        report.pages++;
        options.onProgress?.({ step: 'pages', done: report.pages });
      }
    }
  });

  // Notification records and unread counters of users whose notifications were already gone.
  await scanAll(redis, 'site:{*', batch, async (found) => {
    const companions = found.filter((key) => fateOf(key).kind === 'companion');
    if (companions.length > 0) await Promise.all(companions.map((key) => redis.del(key)));
    report.keys += companions.length;
  });

  await redis.set(keys.layout(), LAYOUT_VERSION);
  await redis.del(MIGRATING_KEY);
  options.onProgress?.({ step: 'done', done: report.keys });
  return report;
}

/** A comment as layout 1 stored it: one JSON string, with its id and root id inside. */
interface Layout1Comment extends Omit<StoredComment, 'listed'> {
  rt: string;
}

interface Layout1Notification {
  type: NotificationType;
  comment_id: string;
  from: string;
  read: boolean;
}

/** Moves one layout-1 key to layout 2 (see `fateOf`); returns 1 for a comment, else 0. */
class KeyMover {
  constructor(
    private readonly redis: RedisClient,
    private readonly now: () => number,
  ) {}

  async apply(key: string, fate: KeyFate): Promise<number> {
    switch (fate.kind) {
      case 'foreign':
      case 'companion':
        return 0;
      case 'drop':
        await this.redis.del(key);
        return 0;
      case 'copy':
        await this.copy(key, fate.to, fate.convert);
        return 0;
      case 'comment':
        return this.comment(key, fate.siteId, fate.commentId);
      case 'events':
        await this.events(key, fate.siteId, fate.pageId);
        return 0;
      case 'notifications':
        await this.notifications(key, fate.siteId, fate.userId);
        return 0;
    }
  }

  /** Copies a key under its new name, converting what is an id in it, and keeps its expiry. */
  private async copy(from: string, to: string, convert: Conversion): Promise<void> {
    const { redis } = this;
    const [type, ttl] = await Promise.all([redis.type(from), redis.pttl(from)]);
    const same = (value: string) => value;
    const member = convert.member ?? same;
    await redis.del(to);
    if (type === 'string') {
      if (convert.value === 'binary') await redis.set(to, (await redis.getBuffer(from)) ?? Buffer.alloc(0));
      else await redis.set(to, (convert.value ?? same)((await redis.get(from)) ?? ''));
    } else if (type === 'hash') {
      const [field, value] = [convert.field ?? same, convert.fieldValue ?? same];
      const entries = Object.entries(await redis.hgetall(from)).map(([f, v]) => [field(f), value(v)]);
      if (entries.length > 0) await redis.hset(to, Object.fromEntries(entries));
    } else if (type === 'set') {
      const members = (await redis.smembers(from)).map(member);
      if (members.length > 0 && convert.setToZset) await redis.zadd(to, ...members.flatMap((m) => [0, m]));
      else if (members.length > 0 && convert.setToList) await redis.rpush(to, ...members);
      else if (members.length > 0) await redis.sadd(to, ...members);
    } else if (type === 'zset') {
      const flat = await redis.zrange(from, 0, -1, 'WITHSCORES');
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(flat[i + 1]!, member(flat[i]!));
      if (pairs.length > 0 && convert.zsetToList)
        await redis.rpush(to, ...pairs.filter((_, i) => i % 2 === 1));
      else if (pairs.length > 0) await redis.zadd(to, ...pairs);
    } else if (type === 'list') {
      const items = (await redis.lrange(from, 0, -1)).map(member);
      if (items.length > 0) await redis.rpush(to, ...items);
    } else if (type !== 'none') {
      throw new Error(`The migration does not expect a ${type} at ${from}.`);
    }
    if (ttl > 0) await redis.pexpire(to, ttl);
    await redis.del(from);
  }

  /** A comment record: compact, its HTML kept only where the Markdown's plain rendering differs; placed later with its page. */
  private async comment(key: string, siteId: string, commentId: string): Promise<number> {
    const raw = await this.redis.get(key);
    if (!raw) return 0;
    const old = JSON.parse(raw) as Layout1Comment;
    const pageId = convertId(old.pg);
    const record = encodeComment(
      {
        pg: pageId,
        pid: old.pid ? convertId(old.pid) : '',
        a: convertId(old.a),
        t: old.t,
        h: old.h,
        u: old.u,
        d: old.d,
        cm: old.cm,
        m: old.m,
        s: old.s,
        e: old.e,
        rc: old.rc,
        listed: false,
        ...(old.hr ? { hr: old.hr } : {}),
      },
      storedHtml(old.t, old.h),
    );
    await Promise.all([
      this.redis.set(keys.comment(siteId, commentId), record),
      this.redis.sadd(pendingComments(siteId, pageId), commentId),
      this.redis.sadd(pendingPages(siteId), pageId),
    ]);
    await this.redis.del(key);
    return 1;
  }

  /**
   * A page's live log: clients hold positions in it and ids of layout 1, so the
   * new log starts empty and vouches for nothing before now: every resync from
   * an earlier position gets `reset`, and the client reads the thread again.
   */
  private async events(key: string, siteId: string, pageId: string): Promise<void> {
    const log = keys.pageEvents(siteId, pageId);
    const horizon = `${this.now()}-1`;
    await this.redis.del(log);
    await this.redis.xadd(log, horizon, 'e', '');
    await this.redis.xdel(log, horizon);
    await this.redis.expire(log, 3600);
    await this.redis.del(key);
  }

  /** A user's notifications, with their records and unread counter: compact members within layout 2's bounds. */
  private async notifications(key: string, siteId: string, userId: string): Promise<void> {
    const { redis } = this;
    const prefix = key.slice(0, -':notifications'.length);
    const records = `${prefix}:notifications:records`;
    const flat = await redis.zrevrange(key, 0, -1, 'WITHSCORES');
    const stored = await redis.hgetall(records);
    const oldest = this.now() - NOTIFICATIONS_MAX_AGE_MS;
    const members: [number, string][] = [];
    const seen = new Set<string>();
    for (let i = 0; i < flat.length && members.length < NOTIFICATIONS_KEPT; i += 2) {
      const created = Number(flat[i + 1]);
      const json = stored[flat[i]!];
      if (!json || created < oldest) continue;
      const record = JSON.parse(json) as Layout1Notification;
      // One notification per type and comment: of two (an upvote again after the hourly window), the newest.
      const id = `${NOTIFICATION_LETTERS[record.type]}${convertId(record.comment_id)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      members.push([created, `${record.read ? 'r' : 'u'}${id}${convertId(record.from)}`]);
    }
    const to = keys.userNotifications(siteId, userId);
    const unreadKey = keys.userUnread(siteId, userId);
    await redis.del(to, unreadKey);
    if (members.length > 0) {
      const unread = members.filter(([, member]) => member.startsWith('u')).length;
      const left = members[0]![0] + NOTIFICATIONS_MAX_AGE_MS - this.now();
      await redis.zadd(to, ...members.flat());
      await redis.pexpire(to, left);
      if (unread > 0) await redis.set(unreadKey, unread, 'PX', left);
    }
    await redis.del(key, records, `${prefix}:unread`);
  }
}

/**
 * Places the comments of one page: each listed one in the page's indexes (a
 * root) or its parent's replies, each hidden one in the page's hidden index
 * and its author's; the records learn which they are. Rebuilt from scratch, so
 * an interrupted page is simply done again.
 */
async function placePage(redis: RedisClient, siteId: string, pageId: string, shadowbanned: Set<string>) {
  const ids = await redis.smembers(pendingComments(siteId, pageId));
  const raws = ids.length > 0 ? await redis.mgetBuffer(...ids.map((id) => keys.comment(siteId, id))) : [];
  const records = new Map(raws.flatMap((raw, i) => (raw ? [[ids[i]!, raw] as const] : [])));
  const comments = [...records].map(([id, raw]) => decodeComment(id, raw));
  const listed = listedComments(comments, shadowbanned);
  const indexes = (['new', 'top', 'hot', 'con'] as const).map((index) =>
    keys.pageIndex(siteId, pageId, index),
  );
  const hidden = keys.pageHidden(siteId, pageId);
  const authors = new Set(comments.map((c) => c.a));
  await redis.del(
    ...indexes,
    hidden,
    ...[...authors].map((a) => keys.pageHiddenBy(siteId, pageId, a)),
    ...comments.map((c) => keys.replies(siteId, c.i)),
  );
  const writes: Promise<unknown>[] = [];
  for (const c of comments) {
    const isListed = listed.has(c.i);
    writes.push(redis.set(keys.comment(siteId, c.i), relisted(records.get(c.i)!, isListed)));
    if (isListed && c.pid === '') {
      const [newest, top, hot, con] = indexes as [string, string, string, string];
      writes.push(
        redis.zadd(newest, c.cm, c.i),
        redis.zadd(top, c.u - c.d, c.i),
        redis.zadd(hot, hotScore(c.u, c.d, c.cm), c.i),
        redis.zadd(con, controversyScore(c.u, c.d), c.i),
      );
    } else if (isListed) {
      writes.push(redis.zadd(keys.replies(siteId, c.pid), c.cm, c.i));
    } else {
      writes.push(redis.zadd(hidden, c.cm, c.i));
      if (c.s !== 'deleted') writes.push(redis.zadd(keys.pageHiddenBy(siteId, pageId, c.a), c.cm, c.i));
    }
  }
  await Promise.all(writes);
  await redis.del(pendingComments(siteId, pageId));
}

/** Calls `each` with batches of the keys matching `pattern`, on every master of a cluster. */
async function scanAll(
  redis: RedisClient,
  pattern: string,
  count: number,
  each: (keys: string[]) => Promise<void>,
): Promise<void> {
  const nodes: (Redis | Cluster)[] = 'nodes' in redis ? (redis as Cluster).nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      // A key moved by an earlier batch may be named again by SCAN: it is gone, so it is skipped.
      if (found.length > 0) await each([...new Set(found)]);
    } while (cursor !== '0');
  }
}
