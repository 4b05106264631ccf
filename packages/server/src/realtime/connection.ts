import {
  type Audience,
  type LiveErrorCode,
  type PresentUser,
  type ServerMethod,
  type ServerParams,
  serverMessage,
} from '@threadkit/core';
import { WebSocket } from 'ws';

/** Who is on the other end: a signed-in user (with their session) or an anonymous reader. */
export interface Identity {
  userId: string;
  sessionId: string;
  profile: PresentUser;
  /** Moderators (and admins) see pending and shadow-banned comments' events, as over HTTP. */
  moderator: boolean;
  /** A shadow-banned user's typing reaches only themselves and moderators. */
  shadowbanned: boolean;
}

/** Settings every connection shares (one object for all of them). */
export interface ConnectionSettings {
  maxMessagesPerSecond: number;
  maxBufferedBytes: number;
  /** Called when a client is cut off for reading too slowly. */
  onSlowConsumer(): void;
}

/** A message queued while a resync for its page is being answered. */
interface Held {
  bytes: Buffer;
  eventId: string | null;
}

/**
 * One client connection: who it is, which pages it watches, and its limits.
 * Kept small: ten thousand of them must fit in a few tens of megabytes.
 */
export class Connection {
  /**
   * Channels of the pages this connection watches → a log position after which
   * it has been sent every event, so a resync sends only what it lacks.
   */
  readonly pages = new Map<string, string>();
  /** Answered the last ping. */
  alive = true;
  lastMessageAt: number;
  /** Page channel → when this connection's typing was last relayed there. */
  typingRelayedAt: Map<string, number> | null = null;
  /** Token bucket for the message rate limit. */
  private tokens: number;
  private refilledAt: number;
  /** Messages refused for the rate limit in the current second, and when the client was last told. */
  private refused = 0;
  private refusedSince = 0;
  private limitReportedAt = 0;
  /** Page channel → messages held back while a resync of that page is answered. */
  private held: Map<string, Held[]> | null = null;
  /** The client's messages are handled one after another, in order. */
  private handling: Promise<void> = Promise.resolve();

  constructor(
    readonly ws: WebSocket,
    readonly siteId: string,
    public identity: Identity | null,
    /** The client's address (`TRUST_PROXY` applied): its replays are metered per address. */
    readonly address: string,
    private readonly settings: ConnectionSettings,
    now: number,
  ) {
    this.lastMessageAt = now;
    this.tokens = settings.maxMessagesPerSecond;
    this.refilledAt = now;
  }

  get userId(): string | null {
    return this.identity?.userId ?? null;
  }

  /** Whether a message for this audience may reach this connection (`api.md`: visibility rules). */
  canSee(audience: Audience): boolean {
    return (
      audience.public ||
      (this.identity !== null && (this.identity.userId === audience.user_id || this.identity.moderator))
    );
  }

  /** Takes one message from the rate-limit bucket; false when the client is over its rate. */
  takeMessageToken(now: number): boolean {
    const rate = this.settings.maxMessagesPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    if (now - this.refusedSince > 1000) {
      this.refusedSince = now;
      this.refused = 0;
    }
    this.refused++;
    return false;
  }

  /** A client sending several times its rate within a second is closed rather than answered. */
  overLimit(): boolean {
    return this.refused > this.settings.maxMessagesPerSecond * 5;
  }

  /** One `rate_limited` error a second at most: errors must not become a flood of their own. */
  shouldReportLimit(now: number): boolean {
    if (now - this.limitReportedAt < 1000) return false;
    this.limitReportedAt = now;
    return true;
  }

  /** Runs `task` after the client's earlier messages have been handled. */
  enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.handling.then(task);
    this.handling = next.catch(() => {});
    return next;
  }

  /**
   * Sends prepared bytes. Returns false when the client is too slow: its unsent
   * data passed the bound, so it is dropped instead of growing memory.
   */
  send(bytes: Buffer): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return true;
    if (this.ws.bufferedAmount > this.settings.maxBufferedBytes) {
      this.ws.terminate();
      this.settings.onSlowConsumer();
      return false;
    }
    this.ws.send(bytes, { binary: false });
    return true;
  }

  /** Sends a message from a page channel, unless a resync of that page is holding its messages. */
  deliver(channel: string, bytes: Buffer, eventId: string | null): boolean {
    const queue = this.held?.get(channel);
    if (queue) {
      queue.push({ bytes, eventId });
      return true;
    }
    return this.send(bytes);
  }

  notify<M extends ServerMethod>(method: M, params: ServerParams<M>): boolean {
    return this.send(Buffer.from(serverMessage(method, params)));
  }

  error(code: LiveErrorCode, message: string): boolean {
    return this.notify('error', { code, message });
  }

  /** Holds the page's live messages until `release`, so a resync's answer comes first and in order. */
  hold(channel: string): void {
    this.held ??= new Map();
    if (!this.held.has(channel)) this.held.set(channel, []);
  }

  /** Sends what was held, skipping logged events the resync already sent (ids up to `sentUpTo`). */
  release(channel: string, sentUpTo: string | null): void {
    const queue = this.held?.get(channel);
    if (!queue) return;
    this.held!.delete(channel);
    if (this.held!.size === 0) this.held = null;
    for (const item of queue) {
      if (item.eventId !== null && sentUpTo !== null && compareStreamIds(item.eventId, sentUpTo) <= 0)
        continue;
      if (!this.send(item.bytes)) return;
    }
  }
}

/** Orders Redis stream ids (`<ms>-<seq>`). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
