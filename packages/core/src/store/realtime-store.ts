import { channels, keys, sitePrefix } from '../keys.js';
import {
  type EnvelopeHeader,
  encodeEnvelope,
  type PresentUser,
  presenceAnnouncements,
} from '../protocol/index.js';
import { isCluster, type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** A logged page event: its stream id (`<ms>-<seq>`) and its envelope JSON (`readEnvelope`). */
export interface LoggedEvent {
  id: string;
  envelope: string;
}

/** A page's log for a script: stream, channel, max entries, window ms, keep ms, sharded ('1'/'0'). */
export type PageLog = [stream: string, channel: string, ...settings: LogSettings];

/** What every page's log shares: max entries, window ms, keep ms, sharded ('1'/'0'). */
export type LogSettings = [maxEvents: number, windowMs: number, keepMs: number, sharded: string];

/** Where a resync starts: after an event id, or from a time (ms on the server clock). */
export type LogPosition = { after: string } | { from: number };

export interface PresenceSnapshot {
  /** Everyone on the page: signed-in users once each, plus every anonymous reader. */
  count: number;
  /** Some of the signed-in users (at most the list limit). */
  users: PresentUser[];
}

export interface EventLogOptions {
  /** How long events stay in a page's log (ms). */
  windowMs: number;
  /** About how many events a page's log keeps. */
  maxEvents: number;
  /** How long the log's key outlives the page's last event (ms): until then it can tell "nothing since". */
  keepMs: number;
}

const EVENT_LOG: EventLogOptions = { windowMs: 5 * 60_000, maxEvents: 500, keepMs: 60 * 60_000 };

export interface PresenceTiming {
  /** When the member expires unless refreshed (absolute ms). */
  expiresAt: number;
  /** How long the page's presence keys outlive their last change (ms). */
  keepMs: number;
  now: number;
  /** How many profiles a snapshot lists. */
  listLimit: number;
}

const STREAM_ID = /^(\d{1,16})-(\d{1,16})$/;

/**
 * The real-time gateway's data in Redis: each page's short event log (for
 * resync), publishing on page and user channels, and presence. Channels use
 * sharded pub/sub on Redis Cluster, in the site's slot like the keys.
 */
export class RealtimeStore {
  private readonly sharded: boolean;

  constructor(
    private readonly redis: RedisClient,
    private readonly log: EventLogOptions = EVENT_LOG,
  ) {
    this.sharded = isCluster(redis);
  }

  /**
   * Logs a page event and publishes it (with its log id) to the page's subscribers; returns the id.
   * `message` is the serialised message (`protocol/messages.ts`): stored and sent as it is.
   */
  async logPageEvent(
    siteId: string,
    pageId: string,
    header: EnvelopeHeader,
    message: string,
  ): Promise<string> {
    const [stream, channel, ...log] = this.pageLog(siteId, pageId);
    return runScript(
      this.redis,
      'publishPageEvent',
      [stream],
      [sitePrefix(siteId), channel, encodeEnvelope(header, message), ...log],
    ).catch(translateRedisError) as Promise<string>;
  }

  /**
   * Where a script logs and publishes the page's events (`log_page_event` in
   * `prelude.lua`): the stream, the channel and how long the log keeps them.
   */
  pageLog(siteId: string, pageId: string): PageLog {
    return [keys.pageEvents(siteId, pageId), channels.page(siteId, pageId), ...this.logSettings()];
  }

  /**
   * The part of a page's log that is the same for every page: for a script
   * that learns the page itself (`page_log` in `prelude.lua`).
   */
  logSettings(): LogSettings {
    return [this.log.maxEvents, this.log.windowMs, this.log.keepMs, this.sharded ? '1' : '0'];
  }

  /** Publishes without logging: typing, and the per-user channel's notifications. */
  async publish(channel: string, header: EnvelopeHeader, message: string): Promise<void> {
    const payload = encodeEnvelope(header, message);
    if (this.sharded) await this.redis.spublish(channel, payload).catch(translateRedisError);
    else await this.redis.publish(channel, payload).catch(translateRedisError);
  }

  /**
   * The page's logged events from a position on, oldest first, or `null` when
   * some may be lost (trimmed, expired, or more than `limit`): the client must
   * then refetch the thread.
   */
  async eventsSince(
    siteId: string,
    pageId: string,
    position: LogPosition,
    limit: number,
  ): Promise<LoggedEvent[] | null> {
    const [ms, seq] = firstWanted(position);
    const reply = (await runScript(
      this.redis,
      'pageEventsSince',
      [keys.pageEvents(siteId, pageId)],
      [sitePrefix(siteId), ms, seq, this.log.keepMs, limit],
    ).catch(translateRedisError)) as (number | string)[];
    if (reply[0] === 1) return null;
    const events: LoggedEvent[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      events.push({ id: String(reply[i]), envelope: String(reply[i + 1]) });
    }
    return events;
  }

  /** Where the page's log stands: its newest event's id, or with no log, now (an id no event precedes). */
  async logPosition(siteId: string, pageId: string): Promise<string> {
    return runScript(
      this.redis,
      'logPosition',
      [keys.pageEvents(siteId, pageId)],
      [sitePrefix(siteId)],
    ).catch(translateRedisError);
  }

  /** An instance's first tab of a user (or one more anonymous reader) on the page. */
  async presenceJoin(
    siteId: string,
    pageId: string,
    instance: string,
    user: PresentUser | null,
    timing: PresenceTiming,
  ): Promise<PresenceSnapshot> {
    return this.presence(siteId, pageId, 'join', instance, timing, [
      user?.id ?? '',
      user ? JSON.stringify(user) : '',
    ]);
  }

  /** An instance's last tab of a user (or one anonymous reader) left the page. */
  async presenceLeave(
    siteId: string,
    pageId: string,
    instance: string,
    userId: string | null,
    timing: PresenceTiming,
  ): Promise<PresenceSnapshot> {
    return this.presence(siteId, pageId, 'leave', instance, timing, [userId ?? '']);
  }

  /** Refreshes what the instance holds on the page and sweeps what crashed instances left. */
  async presenceBeat(
    siteId: string,
    pageId: string,
    instance: string,
    held: { users: Iterable<PresentUser>; anonymous: number },
    timing: PresenceTiming,
  ): Promise<PresenceSnapshot> {
    const pairs: string[] = [];
    for (const user of held.users) pairs.push(user.id, JSON.stringify(user));
    return this.presence(siteId, pageId, 'beat', instance, timing, [held.anonymous, ...pairs]);
  }

  /** Everything the instance holds on the page leaves at once (it is shutting down). */
  async presenceDrop(
    siteId: string,
    pageId: string,
    instance: string,
    timing: PresenceTiming,
  ): Promise<void> {
    await this.presence(siteId, pageId, 'drop', instance, timing, []);
  }

  /** Who is on the page, changing nothing. */
  async presenceLook(siteId: string, pageId: string, timing: PresenceTiming): Promise<PresenceSnapshot> {
    return this.presence(siteId, pageId, 'look', '', timing, []);
  }

  private async presence(
    siteId: string,
    pageId: string,
    op: 'join' | 'leave' | 'beat' | 'drop' | 'look',
    instance: string,
    timing: PresenceTiming,
    rest: (string | number)[],
  ): Promise<PresenceSnapshot> {
    const announcements = presenceAnnouncements(pageId);
    const reply = (await runScript(
      this.redis,
      'presence',
      [
        keys.presence(siteId, pageId),
        keys.presenceUsers(siteId, pageId),
        keys.presenceProfiles(siteId, pageId),
        keys.presenceAnonymous(siteId, pageId),
      ],
      [
        sitePrefix(siteId),
        channels.page(siteId, pageId),
        this.sharded ? '1' : '0',
        announcements.joined,
        announcements.left,
        op,
        instance,
        timing.now,
        timing.expiresAt,
        timing.keepMs,
        timing.listLimit,
        ...rest,
      ],
    ).catch(translateRedisError)) as [number, ...string[]];
    const [count, ...profiles] = reply;
    return { count, users: profiles.map((json) => JSON.parse(json) as PresentUser) };
  }
}

/** The first stream id a resync wants: just after the given event, or the first of the given ms. */
function firstWanted(position: LogPosition): [number, number] {
  if ('from' in position) return [Math.max(0, Math.floor(position.from)), 0];
  const match = STREAM_ID.exec(position.after);
  if (!match) throw new TypeError(`not a stream id: ${position.after}`);
  return [Number(match[1]), Number(match[2]) + 1];
}
