import {
  CommentSchema,
  createRedis,
  SERVER_PARAMS,
  type WebSocketConfig,
  waitForRedis,
} from '@threadkit/core';
import {
  type AppContext,
  type ContextOptions,
  createContext,
  Gateway,
  type GatewayOptions,
} from '@threadkit/server';
import { Ajv, type ValidateFunction } from 'ajv';
import pino from 'pino';
import WebSocket from 'ws';
import { TEST_ORIGIN, type TestApi } from './api.js';
import { eventually } from './wait.js';

export interface TestGateway {
  gateway: Gateway;
  /** The gateway process's services (its usage meter, its site-purge worker). */
  context: AppContext;
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** Opens a client on `/ws` with the site's public key from the allowed origin. */
  connect(options?: ConnectOptions): Promise<TestSocket>;
  close(): Promise<void>;
}

interface ConnectOptions {
  token?: string;
  projectId?: string;
  /** null: no Origin header. */
  origin?: string | null;
  /** More handshake headers (`x-forwarded-for`, as a proxy would send it). */
  headers?: Record<string, string>;
}

/**
 * A WebSocket gateway instance on the test API's Redis, with its own Redis
 * connection and services, the way a separate process would run it. Settings
 * come from the API's config (`env` of startTestApi); `options` shortens timers
 * and can name the port (a restart on the address clients already know).
 */
export async function startTestGateway(
  api: TestApi,
  options: GatewayOptions & {
    ws?: Partial<WebSocketConfig>;
    port?: number;
    trustProxy?: string[];
    /** The gateway's own services (a fast site-purge poll, say). */
    context?: ContextOptions;
  } = {},
): Promise<TestGateway> {
  const {
    ws,
    port = 0,
    trustProxy = api.config.trustProxy,
    context: contextOptions,
    ...gatewayOptions
  } = options;
  const redis = createRedis(api.config.redis);
  redis.on('error', () => {});
  await waitForRedis(redis);
  const logger = pino({ level: 'silent' });
  const context = await createContext(api.config, redis, logger, contextOptions);
  // The process's site-purge worker, as a gateway-only server runs it: it tells the gateway of purges.
  context.purges.start();
  const gateway = new Gateway(
    {
      config: { ...api.config.ws, ...ws },
      trustProxy,
      redis,
      sites: context.sites,
      auth: context.auth,
      usage: context.usage,
      realtime: context.realtime,
      purges: context.purges,
      logger,
    },
    { closeGraceMs: 500, ...gatewayOptions },
  );
  const url = await gateway.listen('127.0.0.1', port);
  const sockets: TestSocket[] = [];
  let closed = false;
  return {
    gateway,
    context,
    url,
    connect: async (connectOptions = {}) => {
      const socket = await TestSocket.open(url, { projectId: api.site.publicKey, ...connectOptions });
      sockets.push(socket);
      return socket;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await gateway.close();
      for (const socket of sockets) socket.ws.terminate();
      await Promise.all([context.usage.close(), context.purges.stop()]);
      redis.disconnect();
    },
  };
}

interface WireMessage {
  jsonrpc: '2.0';
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the server sent
  params: Record<string, any>;
}

/** Each server method's schema (core's `protocol/`), compiled once for every test socket. */
const serverSchemas = (() => {
  const ajv = new Ajv({ strict: false });
  ajv.addSchema(CommentSchema);
  return new Map<string, ValidateFunction>(
    Object.entries(SERVER_PARAMS).map(([method, schema]) => [method, ajv.compile(schema)]),
  );
})();

/** Why a message from the server breaks the protocol's schemas, or null when it keeps them. */
function protocolViolation(message: WireMessage): string | null {
  if (message.jsonrpc !== '2.0') return `not JSON-RPC 2.0: ${JSON.stringify(message)}`;
  const validate = serverSchemas.get(message.method);
  if (!validate) return `unknown method ${message.method}`;
  if (validate(message.params)) return null;
  return `${message.method}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(message.params)}`;
}

/**
 * A WebSocket client that records what the server sends, for tests to wait on.
 * Every message is checked against the protocol's schemas: one that breaks
 * them fails the test at its next `next` or `take`.
 */
export class TestSocket {
  readonly received: WireMessage[] = [];
  /** Messages that broke the protocol's schemas, and why. */
  readonly violations: string[] = [];
  /** Messages not yet taken by `next`. */
  private readonly unread: WireMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as WireMessage;
      const violation = protocolViolation(message);
      if (violation) this.violations.push(violation);
      this.received.push(message);
      this.unread.push(message);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Connects; resolves once open (and `connected` arrived), or rejects with the HTTP refusal. */
  static async open(base: string, options: { projectId: string } & ConnectOptions): Promise<TestSocket> {
    const url = new URL('/ws', base);
    url.searchParams.set('project_id', options.projectId);
    if (options.token) url.searchParams.set('token', options.token);
    const origin = options.origin === undefined ? TEST_ORIGIN : options.origin;
    const ws = new WebSocket(url, {
      ...(origin ? { origin } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      perMessageDeflate: false,
    });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk;
        });
        response.on('end', () => reject(new RefusedHandshake(response.statusCode ?? 0, body)));
      });
      ws.once('error', reject);
    });
    return socket;
  }

  send(method: string, params: object = {}): void {
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** The next unread message with this method (and matching `where`), waiting for it. */
  async next(
    method: string,
    where: (params: WireMessage['params']) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<WireMessage> {
    this.keepsProtocol();
    const found = await eventually(
      `a ${method} message`,
      async () => this.unread.find((m) => m.method === method && where(m.params)),
      (m) => m !== undefined,
      timeoutMs,
    );
    this.unread.splice(this.unread.indexOf(found!), 1);
    this.keepsProtocol();
    return found!;
  }

  /** Unread messages with this method, taken now without waiting. */
  take(method: string): WireMessage[] {
    this.keepsProtocol();
    const taken = this.unread.filter((m) => m.method === method);
    for (const m of taken) this.unread.splice(this.unread.indexOf(m), 1);
    return taken;
  }

  /** Subscribes and returns the presence answer. */
  async subscribe(pageId: string): Promise<WireMessage> {
    this.send('subscribe', { page_id: pageId });
    return this.next('presence', (p) => p.page_id === pageId);
  }

  close(): void {
    this.ws.close();
  }

  private keepsProtocol(): void {
    if (this.violations.length > 0) throw new Error(`the server broke the protocol: ${this.violations[0]}`);
  }
}

export class RefusedHandshake extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`handshake refused with ${status}: ${body}`);
  }
}
