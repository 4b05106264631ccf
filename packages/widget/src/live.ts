import type { ClientMethod, ClientParams, WebSocketErrorCode } from '@threadkit/core';
import type { LiveMessage } from './types.js';

export { applyLive } from './live-thread.js';
export { Activity } from './ui/Activity.js';

/** The gateway's `error` code for "live updates are paused" (the server lost its storage). */
const PAUSED: WebSocketErrorCode = 'unavailable';

export type LiveStatus = 'connecting' | 'live' | 'paused';

interface LiveOptions {
  /** `ws(s)://host[:port]`, without `/ws`. */
  url: string;
  projectId: string;
  token: () => string | null;
  pageId: string;
  /** Where to resume after a reconnect: the last event id seen. */
  since: () => string | null;
  /** When (`performance.now()`) the thread shown was requested: events from then on are caught up. */
  readAt: () => number;
  onMessage(message: LiveMessage): void;
  onStatus(status: LiveStatus): void;
}

/** Keep-alive while the page is visible: the server drops connections idle for 5 minutes. */
const PING_MS = 60_000;
/** Extra history asked for on a first subscribe, for clock jitter: events seen twice change nothing. */
const READ_MARGIN_MS = 2000;

/**
 * The WebSocket to the gateway: subscribes to the page (catching up from the
 * last event seen), reconnects with exponential back-off and jitter, pings
 * while the page is visible and lets hidden tabs go.
 */
export class LiveClient {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /**
   * Server time (ms) up to which this client has every event of the page:
   * where a reconnect catches up from when no event id has come yet.
   */
  private caughtUpAt: number | undefined;

  constructor(private readonly options: LiveOptions) {
    document.addEventListener('visibilitychange', this.onVisibility);
    this.connect();
  }

  send<M extends ClientMethod>(method: M, params: ClientParams<M>): void {
    if (this.ws?.readyState === WebSocket.OPEN)
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** Reconnects now (a new token, or the user asked to retry). */
  restart(): void {
    this.ws?.close();
    this.attempt = 0;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  destroy(): void {
    this.closed = true;
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.ws?.close();
  }

  private connect(): void {
    if (this.closed || document.visibilityState === 'hidden') return;
    const { url, projectId, token } = this.options;
    const query = new URLSearchParams({ project_id: projectId });
    const current = token();
    if (current) query.set('token', current);
    this.options.onStatus('connecting');
    const ws = new WebSocket(`${url}/ws?${query}`);
    this.ws = ws;
    /** The server's time when this connection was accepted (from `connected`). */
    let serverTime: number | undefined;
    /** Set while a subscription is in flight or taken: what its pong proves caught up. */
    let connectedAt: number | undefined;
    let subscribed = false;
    let since: string | number;
    const subscribe = () => {
      connectedAt = serverTime;
      this.send('subscribe', { page_id: this.options.pageId, since });
      // The gateway answers in order: this pong comes after the subscription and its catch-up.
      this.send('ping', {});
    };
    ws.onopen = () => {
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send('ping', {}), PING_MS);
    };
    ws.onmessage = (event) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        return;
      }
      if (message.method === 'connected') {
        serverTime = message.params.server_time;
        // Resume from the last event seen, else from the last connection that caught up, else
        // from when the thread was read (on the server's clock): nothing in between is missed.
        since =
          this.options.since() ??
          this.caughtUpAt ??
          Math.round(serverTime - (performance.now() - this.options.readAt()) - READ_MARGIN_MS);
        subscribe();
      }
      if (message.method === 'pong') this.caughtUpAt = connectedAt ?? this.caughtUpAt;
      if (message.method === 'presence') {
        subscribed = true;
        this.attempt = 0;
        this.options.onStatus('live');
      }
      if (message.method === 'error' && message.params.code === PAUSED) {
        // Not subscribed after all: nothing since this connection began is known to have arrived.
        connectedAt = undefined;
        this.options.onStatus('paused');
        // A subscribe the server could not take (its storage away) is asked again, with back-off,
        // until it is; a connection already subscribed is caught up by the server itself.
        if (!subscribed && serverTime !== undefined)
          this.retryTimer = setTimeout(subscribe, Math.min(30_000, 1000 * 2 ** this.attempt++));
      }
      this.options.onMessage(message);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      clearInterval(this.pingTimer);
      // A subscribe waiting to be asked again belonged to this connection.
      clearTimeout(this.retryTimer);
      this.ws = null;
      if (this.closed) return;
      this.options.onStatus('paused');
      // A banned user stays away; everything else comes back with back-off.
      if (event.code === 4003) return;
      const delay = event.code === 1001 ? 250 : Math.min(30_000, 1000 * 2 ** this.attempt);
      this.attempt++;
      this.retryTimer = setTimeout(() => this.connect(), delay * (0.5 + Math.random()));
    };
  }

  private readonly onVisibility = () => {
    if (document.visibilityState === 'visible' && !this.ws) {
      clearTimeout(this.retryTimer);
      this.connect();
    }
  };
}
