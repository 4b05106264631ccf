import WebSocket from 'ws';

/** A handshake the gateway answered with an HTTP status instead of switching protocols. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with ${status}`);
  }
}

/** A comment the gateway pushed, with when it arrived (performance.now()). */
export interface Receipt {
  content: string;
  at: number;
}

export interface GatewayTarget {
  /** The gateway's base URL; `/ws` is added. */
  wsUrl: string;
  key: string;
  origin: string;
}

/**
 * One live connection, spoken as docs/api.md specifies the gateway's JSON-RPC
 * notifications: `connected` first, `presence` in answer to `subscribe`,
 * `new_comment` for each comment posted on a watched page.
 */
export class GatewaySocket {
  /** Why the server closed the connection (its close code), once it did. */
  closedWith: number | null = null;
  private readonly presence = new Map<string, () => void>();
  private onComment: ((receipt: Receipt) => void) | null = null;
  private ourClose = false;
  /** Settles `open` once the server's `connected` arrives. */
  private connected: (() => void) | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.receive(data));
    ws.on('close', (code) => {
      if (!this.ourClose) this.closedWith = code;
    });
  }

  /** Opens a connection and waits for `connected`; rejects with HandshakeRefused or the socket's error. */
  static open(target: GatewayTarget, timeoutMs = 10_000, token?: string): Promise<GatewaySocket> {
    const url = new URL(`${target.wsUrl}/ws`);
    url.searchParams.set('project_id', target.key);
    if (token) url.searchParams.set('token', token);
    const ws = new WebSocket(url, {
      origin: target.origin,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    const socket = new GatewaySocket(ws);
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        ws.terminate();
        reject(error);
      };
      ws.once('unexpected-response', (_request, response) => {
        response.resume();
        fail(new HandshakeRefused(response.statusCode ?? 0));
      });
      ws.once('error', fail);
      ws.once('close', (code) => fail(Object.assign(new Error(`closed ${code}`), { code: `close_${code}` })));
      socket.connected = () => {
        ws.removeAllListeners('error');
        ws.on('error', () => {});
        resolve(socket);
      };
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Subscribes to a page and waits for its `presence`. */
  subscribe(pageId: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.presence.delete(pageId);
        reject(Object.assign(new Error('no presence'), { code: 'subscribe_timeout' }));
      }, timeoutMs);
      this.presence.set(pageId, () => {
        clearTimeout(timer);
        this.presence.delete(pageId);
        resolve();
      });
      this.send('subscribe', { page_id: pageId });
    });
  }

  /** Calls `handler` with every `new_comment` from now on. */
  watchComments(handler: (receipt: Receipt) => void): void {
    this.onComment = handler;
  }

  send(method: string, params: Record<string, unknown> = {}): void {
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** Closes with 1000 and waits for the close handshake (or cuts the socket off after `timeoutMs`). */
  close(timeoutMs = 5_000): Promise<void> {
    this.ourClose = true;
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, timeoutMs);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000, 'load test done');
    });
  }

  private receive(data: Buffer): void {
    // The time of arrival first, before parsing adds to it.
    const at = performance.now();
    let message: { method?: string; params?: Record<string, unknown> };
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    const params = message.params ?? {};
    if (message.method === 'connected') this.connected?.();
    else if (message.method === 'presence') this.presence.get(String(params.page_id))?.();
    else if (message.method === 'new_comment' && this.onComment) {
      const comment = params.comment as { t?: string } | undefined;
      this.onComment({ content: comment?.t ?? '', at });
    }
  }
}
