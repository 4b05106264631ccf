import {
  type ClientMessage,
  channels,
  type LoggedEvent,
  type PresenceSnapshot,
  type RealtimeStore,
  serverMessage,
} from '@threadkit/core';
import type { ClientAddresses } from './client-addresses.js';
import { type Connection, compareStreamIds } from './connection.js';
import { type ChannelHub, REPLAY_LIMIT } from './hub.js';
import type { GatewayMetrics } from './metrics.js';
import type { PresenceTracker } from './presence.js';
import { ProtocolError } from './protocol.js';

/** The largest sequence number of a Redis stream id. */
const MAX_SEQUENCE = '18446744073709551615';

interface ClientMessageOptions {
  maxSubscriptions: number;
  /** A connection's typing is relayed at most this often per page (ms); clients repeat it every second. */
  typingRelayMs: number;
}

/** What the gateway does with each client method of `api.md`. */
export class ClientMessages {
  constructor(
    private readonly hub: ChannelHub,
    private readonly presence: PresenceTracker,
    private readonly realtime: RealtimeStore,
    private readonly metrics: GatewayMetrics,
    private readonly addresses: ClientAddresses,
    private readonly options: ClientMessageOptions,
  ) {}

  async handle(conn: Connection, message: ClientMessage): Promise<void> {
    switch (message.method) {
      case 'subscribe':
        return this.subscribe(conn, message.params.page_id, message.params.since);
      case 'unsubscribe':
        return this.unsubscribe(conn, message.params.page_id);
      case 'typing':
        return this.typing(conn, message.params.page_id, message.params.reply_to ?? null);
      case 'ping':
        conn.notify('pong', {});
        this.metrics.messagesOut.inc();
        return;
      case 'resync':
        return this.resync(conn, message.params.page_id, message.params.since);
    }
  }

  /** A client leaves every page it watched (it disconnected). */
  leaveAll(conn: Connection): Promise<unknown> {
    return Promise.all([...conn.pages.keys()].map((channel) => this.leave(conn, channel)));
  }

  private async subscribe(conn: Connection, pageId: string, since?: string | number): Promise<void> {
    const channel = channels.page(conn.siteId, pageId);
    if (conn.pages.has(channel)) {
      // Already watching: answer with the current presence, as for a first subscribe.
      const room = this.hub.rooms.get(channel);
      if (room) this.sendPresence(conn, pageId, await this.presence.look(room));
      return;
    }
    if (conn.pages.size >= this.options.maxSubscriptions) {
      throw new ProtocolError(
        'subscription_limit',
        `A connection may watch at most ${this.options.maxSubscriptions} pages; unsubscribe from one first.`,
      );
    }
    // Catching up: live events wait until the missed ones are out.
    if (since !== undefined) conn.hold(channel);
    let lastSent: string | null = null;
    try {
      const room = await this.hub.enter(conn, conn.siteId, pageId);
      try {
        // The room's other clients hear of a changed count with the next heartbeat (or a join's announcement).
        this.sendPresence(conn, pageId, await this.presence.join(room, conn));
      } finally {
        this.hub.settled(room);
      }
      if (since !== undefined) lastSent = await this.replay(conn, pageId, channel, since);
    } finally {
      if (since !== undefined) conn.release(channel, lastSent);
    }
  }

  private async unsubscribe(conn: Connection, pageId: string): Promise<void> {
    const channel = channels.page(conn.siteId, pageId);
    if (conn.pages.has(channel)) await this.leave(conn, channel);
  }

  private async leave(conn: Connection, channel: string): Promise<void> {
    const room = this.hub.rooms.get(channel);
    if (!room) {
      conn.pages.delete(channel);
      return;
    }
    this.hub.exit(conn, room);
    await this.presence.leave(room, conn);
  }

  private async typing(conn: Connection, pageId: string, replyTo: string | null): Promise<void> {
    const identity = conn.identity;
    if (!identity) throw new ProtocolError('unauthorized', 'Sign in to show that you are typing.');
    const channel = channels.page(conn.siteId, pageId);
    if (!conn.pages.has(channel)) throw new ProtocolError('invalid_params', 'Subscribe to the page first.');
    const now = Date.now();
    conn.typingRelayedAt ??= new Map();
    const last = conn.typingRelayedAt.get(channel) ?? 0;
    if (now - last < this.options.typingRelayMs) return;
    conn.typingRelayedAt.set(channel, now);
    await this.realtime.publish(
      channel,
      {
        // A shadow-banned user's typing would give them away; only moderators see it.
        audience: identity.shadowbanned ? { public: false, user_id: identity.userId } : { public: true },
        // The typist's own connections are not told.
        skip: identity.userId,
      },
      serverMessage('typing', { page_id: pageId, user: identity.profile, reply_to: replyTo }),
    );
  }

  /**
   * Sends the page's events since `since` from the log, holding live ones
   * meanwhile so the client gets each event once and in order; or `reset`
   * when the log no longer covers the gap.
   */
  private async resync(conn: Connection, pageId: string, since: string | number): Promise<void> {
    const channel = channels.page(conn.siteId, pageId);
    if (!conn.pages.has(channel)) throw new ProtocolError('invalid_params', 'Subscribe to the page first.');
    conn.hold(channel);
    let lastSent: string | null = null;
    try {
      lastSent = await this.replay(conn, pageId, channel, since);
    } finally {
      conn.release(channel, lastSent);
    }
  }

  /**
   * Sends the logged events since `since` the client lacks (or `reset`); returns the last id sent.
   * At most what its address's replay budget has left: a catch-up past it is a `reset` too, and
   * with the budget spent the log is not even read.
   */
  private async replay(conn: Connection, pageId: string, channel: string, since: string | number) {
    const allowance = this.addresses.takeReplay(conn.address, REPLAY_LIMIT, Date.now());
    let events: LoggedEvent[] | null = null;
    if (allowance > 0) {
      const position = typeof since === 'string' ? { after: since } : { from: since };
      events = await this.realtime.eventsSince(conn.siteId, pageId, position, allowance).catch((error) => {
        this.addresses.returnReplay(conn.address, allowance);
        throw error;
      });
      // What was not sent goes back; a refused catch-up costs what the log may have read for it.
      if (events !== null) this.addresses.returnReplay(conn.address, allowance - events.length);
    }
    if (events === null && allowance < REPLAY_LIMIT) this.metrics.replaysOverBudget.inc();
    if (events !== null) {
      const last = this.hub.replayTo(conn, channel, events);
      // Now it has everything after `since` (a time: after its previous millisecond).
      const after = typeof since === 'string' ? since : `${since - 1}-${MAX_SEQUENCE}`;
      const had = conn.pages.get(channel);
      if (had !== undefined && compareStreamIds(after, had) < 0) conn.pages.set(channel, after);
      return last;
    }
    conn.notify('reset', { page_id: pageId });
    this.metrics.messagesOut.inc();
    return null;
  }

  private sendPresence(conn: Connection, pageId: string, snapshot: PresenceSnapshot): void {
    conn.notify('presence', { page_id: pageId, users: snapshot.users, count: snapshot.count });
    this.metrics.messagesOut.inc();
  }
}
