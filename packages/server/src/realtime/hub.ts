import {
  channels,
  type Envelope,
  isCluster,
  type LoggedEvent,
  type PresentUser,
  type RealtimeStore,
  type RedisClient,
  readEnvelope,
  type ServerMethod,
  type ServerParams,
  serverMessage,
  withEventId,
} from '@threadkit/core';
import type { Logger } from 'pino';
import { type Connection, compareStreamIds } from './connection.js';
import type { GatewayMetrics } from './metrics.js';

/** The clients of one page on this instance, and what it holds of the page's presence. */
export interface Room {
  siteId: string;
  pageId: string;
  channel: string;
  members: Set<Connection>;
  /** Signed-in users here, with their tabs on this instance (presence counts each user once). */
  users: Map<string, { tabs: number; profile: PresentUser }>;
  /** Anonymous readers here. */
  anonymous: number;
  /** The newest logged event delivered: where a replay starts after an outage. */
  lastEventId: string;
  /** The last presence count sent to the room's clients. */
  lastCount: number;
  /** Clients that entered but have not had their presence answer yet: heartbeats wait for them. */
  settling: number;
  /** Settles once the channel subscription is live. */
  ready: Promise<void>;
  /** Live messages held back while missed events are replayed after an outage. */
  pending: string[] | null;
}

/** Events a replay may send at most before it tells clients to refetch instead. */
export const REPLAY_LIMIT = 500;

/**
 * Fan-out from Redis pub/sub to local clients. The instance subscribes to a
 * page's channel while at least one of its clients watches the page, and to a
 * user's channel while that user is connected here. Each message arrives as
 * bytes in an envelope (`readEnvelope`): its header says who may see it, and
 * the message itself is handed on untouched (a logged event gains its
 * `event_id`) as one buffer to every local client allowed to see it.
 * On Redis Cluster the channels are sharded (SSUBSCRIBE), in the site's slot.
 */
export class ChannelHub {
  readonly rooms = new Map<string, Room>();
  private readonly userConnections = new Map<string, Set<Connection>>();
  private readonly sharded: boolean;
  private down = false;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly store: RealtimeStore,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly hooks: {
      onDown(): void;
      /** Resolves once the command connection (the event log's) is back too. */
      commandsReady(): Promise<void>;
      onRecovered(): void;
    },
  ) {
    this.sharded = isCluster(subscriber);
    subscriber.on(this.sharded ? 'smessage' : 'message', (channel: string, payload: string) =>
      this.onMessage(channel, payload),
    );
    subscriber.on('close', () => {
      if (this.down) return;
      this.down = true;
      this.hooks.onDown();
    });
    subscriber.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      void this.recover().finally(() => this.hooks.onRecovered());
    });
  }

  get available(): boolean {
    return !this.down && this.subscriber.status === 'ready';
  }

  /**
   * Adds a client to a page's room, subscribing the instance to the page on its
   * first client. The client counts as settling until the caller calls `settled`.
   */
  async enter(conn: Connection, siteId: string, pageId: string): Promise<Room> {
    const channel = channels.page(siteId, pageId);
    let room = this.rooms.get(channel);
    if (!room) {
      const created: Room = {
        siteId,
        pageId,
        channel,
        members: new Set(),
        users: new Map(),
        anonymous: 0,
        lastEventId: '0-0',
        lastCount: -1,
        settling: 0,
        ready: Promise.resolve(),
        pending: null,
      };
      created.ready = this.open(created).catch((error: unknown) => {
        // Not subscribed after all: the next client to arrive tries again.
        if (this.rooms.get(channel) === created) {
          this.rooms.delete(channel);
          this.metrics.pageChannels.set(this.rooms.size);
        }
        throw error;
      });
      this.rooms.set(channel, created);
      this.metrics.pageChannels.set(this.rooms.size);
      room = created;
    }
    room.members.add(conn);
    conn.pages.set(channel, room.lastEventId);
    room.settling++;
    try {
      await room.ready;
    } catch (error) {
      room.settling--;
      this.exit(conn, room);
      throw error;
    }
    // From here on it gets every event live: it has everything after the room's position.
    conn.pages.set(channel, room.lastEventId);
    return room;
  }

  settled(room: Room): void {
    room.settling--;
  }

  /** Removes a client from a room; the instance unsubscribes when the room empties. */
  exit(conn: Connection, room: Room): void {
    room.members.delete(conn);
    conn.pages.delete(room.channel);
    if (room.members.size > 0 || this.rooms.get(room.channel) !== room) return;
    this.rooms.delete(room.channel);
    this.metrics.pageChannels.set(this.rooms.size);
    this.unsubscribe(room.channel);
  }

  /** Sends a message to every client in the room. */
  broadcast<M extends ServerMethod>(room: Room, method: M, params: ServerParams<M>): void {
    const bytes = Buffer.from(serverMessage(method, params));
    for (const conn of room.members) conn.deliver(room.channel, bytes, null);
    this.metrics.messagesOut.inc(room.members.size);
  }

  /** Routes the user's notifications to this connection while it is open. */
  async watchUser(conn: Connection): Promise<void> {
    if (!conn.userId) return;
    const channel = channels.user(conn.siteId, conn.userId);
    let set = this.userConnections.get(channel);
    if (!set) {
      set = new Set();
      this.userConnections.set(channel, set);
      this.metrics.userChannels.set(this.userConnections.size);
      await this.subscribe(channel);
    }
    set.add(conn);
  }

  unwatchUser(conn: Connection): void {
    if (!conn.userId) return;
    const channel = channels.user(conn.siteId, conn.userId);
    const set = this.userConnections.get(channel);
    if (!set?.delete(conn) || set.size > 0) return;
    this.userConnections.delete(channel);
    this.metrics.userChannels.set(this.userConnections.size);
    this.unsubscribe(channel);
  }

  /**
   * Sends logged events the client may see, oldest first, with their ids, up
   * to where it has had everything already; returns the last id replayed.
   */
  replayTo(conn: Connection, channel: string, events: LoggedEvent[]): string | null {
    const sentAfter = conn.pages.get(channel);
    let last: string | null = null;
    for (const event of events) {
      if (sentAfter !== undefined && compareStreamIds(event.id, sentAfter) > 0) break;
      last = event.id;
      const envelope = this.read(event.envelope);
      if (!envelope || !conn.canSee(envelope.audience)) continue;
      conn.send(Buffer.from(withEventId(envelope.message, event.id)));
      this.metrics.messagesOut.inc();
    }
    return last;
  }

  private async open(room: Room): Promise<void> {
    await this.subscribe(room.channel);
    // Where a replay would start if the subscription drops: the log's newest event now
    // (or a newer one already delivered).
    const newest = await this.store.logPosition(room.siteId, room.pageId);
    if (compareStreamIds(newest, room.lastEventId) > 0) room.lastEventId = newest;
  }

  private async subscribe(channel: string): Promise<void> {
    if (this.sharded) await this.subscriber.ssubscribe(channel);
    else await this.subscriber.subscribe(channel);
  }

  private unsubscribe(channel: string): void {
    const done = this.sharded ? this.subscriber.sunsubscribe(channel) : this.subscriber.unsubscribe(channel);
    // During an outage the subscription is gone anyway; recovery only restores live rooms.
    done.catch(() => {});
  }

  private onMessage(channel: string, payload: string): void {
    this.metrics.redisMessages.inc();
    const room = this.rooms.get(channel);
    if (room) {
      if (room.pending) {
        room.pending.push(payload);
      } else {
        const envelope = this.read(payload);
        if (envelope) this.deliverToRoom(room, envelope);
      }
      return;
    }
    const connections = this.userConnections.get(channel);
    if (connections) this.deliverToUser(connections, payload);
  }

  private deliverToRoom(room: Room, envelope: Envelope): void {
    const started = performance.now();
    const eventId = envelope.id ?? null;
    let message = envelope.message;
    if (eventId !== null) {
      // A replay after an outage and the live channel may both carry an event: send it once.
      if (compareStreamIds(eventId, room.lastEventId) <= 0) return;
      room.lastEventId = eventId;
      message = withEventId(message, eventId);
    }
    if (envelope.count !== undefined) room.lastCount = envelope.count;
    // Nobody is told of their own typing or arrival (their snapshot already lists them).
    const skip = envelope.skip;
    const bytes = Buffer.from(message);
    let sent = 0;
    for (const conn of room.members) {
      if (!conn.canSee(envelope.audience) || (skip !== undefined && conn.userId === skip)) continue;
      if (conn.deliver(room.channel, bytes, eventId)) sent++;
    }
    this.metrics.messagesOut.inc(sent);
    this.metrics.fanout.observe((performance.now() - started) / 1000);
  }

  private deliverToUser(connections: Set<Connection>, payload: string): void {
    const envelope = this.read(payload);
    if (!envelope) return;
    const bytes = Buffer.from(envelope.message);
    for (const conn of connections) {
      if (!conn.canSee(envelope.audience)) continue;
      if (conn.send(bytes)) this.metrics.messagesOut.inc();
    }
  }

  private read(payload: string): Envelope | null {
    const envelope = readEnvelope(payload);
    if (!envelope) this.logger.error({ bytes: payload.length }, 'unreadable message on a real-time channel');
    return envelope;
  }

  /**
   * After the subscription connection comes back: subscribe every live room
   * and user channel again, then replay each room's missed events from the
   * page log, holding live messages until the replay is out. Where the log no
   * longer covers the gap, clients are told to refetch (`reset`).
   */
  private async recover(): Promise<void> {
    const rooms = [...this.rooms.values()];
    for (const room of rooms) room.pending = [];
    try {
      const all = [...rooms.map((room) => room.channel), ...this.userConnections.keys()];
      await Promise.all(all.map((channel) => this.subscribe(channel)));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not subscribe again after a Redis outage');
    }
    // The log is read over the other connection, which may come back a moment later.
    await this.hooks.commandsReady().catch(() => {});
    await Promise.all(rooms.map((room) => this.replayRoom(room)));
    this.logger.info({ rooms: rooms.length }, 'real-time channels recovered after a Redis outage');
  }

  private async replayRoom(room: Room): Promise<void> {
    try {
      const events = await this.store.eventsSince(
        room.siteId,
        room.pageId,
        { after: room.lastEventId },
        REPLAY_LIMIT,
      );
      if (events === null) {
        room.lastEventId = await this.store.logPosition(room.siteId, room.pageId);
        this.broadcast(room, 'reset', { page_id: room.pageId });
      } else {
        for (const event of events) {
          const envelope = this.read(event.envelope);
          if (envelope) this.deliverToRoom(room, { ...envelope, id: event.id });
        }
      }
    } catch (error) {
      this.logger.warn({ err: error, page: room.pageId }, 'could not replay missed events');
      this.broadcast(room, 'reset', { page_id: room.pageId });
    } finally {
      const pending = room.pending ?? [];
      room.pending = null;
      for (const payload of pending) {
        const envelope = this.read(payload);
        if (envelope) this.deliverToRoom(room, envelope);
      }
    }
  }
}
