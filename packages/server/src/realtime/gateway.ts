import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import proxyAddr from '@fastify/proxy-addr';
import {
  type AuthService,
  defaultMaxConnections,
  isCluster,
  isConnectionError,
  type LiveErrorCode,
  type RealtimeStore,
  type RedisClient,
  type SiteDirectory,
  type SitePurges,
  ThreadKitError,
  type UsageMeter,
  type WebSocketConfig,
  waitForRedis,
} from '@threadkit/core';
import type { Logger } from 'pino';
import { type RawData, WebSocketServer } from 'ws';
import { openFilesLimit } from '../open-files.js';
import { ClientAddresses } from './client-addresses.js';
import { ClientMessages } from './client-messages.js';
import { Connection, type ConnectionSettings } from './connection.js';
import { Handshake, type HandshakeOutcome } from './handshake.js';
import { ChannelHub } from './hub.js';
import { GatewayMetrics } from './metrics.js';
import { PresenceTracker } from './presence.js';
import { CLOSE, ProtocolError, parseClientMessage } from './protocol.js';
import { SessionChecks, type SessionEnd } from './session-checks.js';

export interface GatewayDeps {
  config: WebSocketConfig;
  /** `TRUST_PROXY`: whose `X-Forwarded-For` names the client address, as for the HTTP API. */
  trustProxy: string[];
  /** Commands (presence, the event log, sessions). */
  redis: RedisClient;
  sites: SiteDirectory;
  auth: AuthService;
  usage: UsageMeter;
  realtime: RealtimeStore;
  /** Sites whose data is being deleted: their connections are closed, and new ones refused. */
  purges: Pick<SitePurges, 'onPurge' | 'purging'>;
  logger: Logger;
}

export interface GatewayOptions {
  /** How often presence is refreshed and changed counts sent to clients (ms; default a third of the presence TTL). */
  heartbeatMs?: number;
  /** How often signed-in connections' sessions are checked: sign-outs, revocations and bans close them (ms). */
  sessionCheckMs?: number;
  /** Signed-in users listed in a presence message, at most. */
  presenceListLimit?: number;
  /** A connection's typing is relayed at most this often per page (ms). */
  typingRelayMs?: number;
  /** How long shutdown waits for clients to close before cutting them off (ms). */
  closeGraceMs?: number;
  /** Report process metrics (memory, CPU) too: off when the HTTP server in the process already does. */
  processMetrics?: boolean;
}

/**
 * The real-time gateway of `api.md`: WebSocket clients on `/ws`, fan-out from
 * Redis pub/sub, presence, typing and resync; `/health` and `/metrics` beside
 * it. Stateless like the HTTP API: any number of instances run side by side,
 * meeting only in Redis.
 */
export class Gateway {
  readonly server: Server;
  readonly metrics: GatewayMetrics;
  readonly instanceId = randomBytes(8).toString('hex');
  private readonly wss: WebSocketServer;
  private readonly subscriber: RedisClient;
  private readonly hub: ChannelHub;
  private readonly presence: PresenceTracker;
  private readonly messages: ClientMessages;
  private readonly connections = new Set<Connection>();
  /** Places for connections, in all and per client address, and each address's replay budget. */
  private readonly addresses: ClientAddresses;
  private readonly trustedProxy: (address: string, hop: number) => boolean;
  private readonly handshake: Handshake;
  private readonly sessions: SessionChecks;
  private readonly timers: NodeJS.Timeout[] = [];
  private closing = false;
  private readonly closeGraceMs: number;
  private readonly connectionSettings: ConnectionSettings;
  /** Redis's clock minus ours (ms): `server_time` and log positions are on Redis's clock. */
  private clockOffset = 0;
  private readonly countRedisError = () => this.metrics.redisErrors.inc();
  /** Where the ping sweep goes on from (Set iterators skip deleted entries and see new ones). */
  private sweepCursor: Iterator<Connection> | null = null;

  /** Connections (handshakes included) this instance takes at once. */
  readonly maxConnections: number;

  constructor(
    private readonly deps: GatewayDeps,
    options: GatewayOptions = {},
  ) {
    const { config, logger } = deps;
    this.metrics = new GatewayMetrics(options.processMetrics ?? true);
    const openFiles = openFilesLimit();
    this.maxConnections = config.maxConnections ?? defaultMaxConnections(openFiles);
    if (openFiles !== null && this.maxConnections > defaultMaxConnections(openFiles)) {
      logger.warn(
        { maxConnections: this.maxConnections, openFiles },
        'WS_MAX_CONNECTIONS leaves too few of the open-files limit to the HTTP API and Redis; raise the limit (LimitNOFILE, ulimit -Hn)',
      );
    }
    this.addresses = new ClientAddresses({
      maxConnections: this.maxConnections,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
      replayEventsPerMinute: config.replayEventsPerMinute,
    });
    this.trustedProxy = proxyAddr.compile(deps.trustProxy);
    this.handshake = new Handshake({
      sites: deps.sites,
      purging: (siteId) => deps.purges.purging(siteId),
      auth: deps.auth,
      metrics: this.metrics,
      logger,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    });
    this.sessions = new SessionChecks(deps.auth, (conn, why) => this.endSession(conn, why));
    // Their presence would otherwise come back after the purge, for as long as they stay.
    deps.purges.onPurge((siteId) => this.closeSite(siteId));
    // Pub/sub needs a connection of its own; on a cluster, one per shard for SSUBSCRIBE.
    this.subscriber = isCluster(deps.redis)
      ? deps.redis.duplicate(undefined, { shardedSubscribers: true })
      : deps.redis.duplicate({ enableAutoPipelining: false });
    this.subscriber.on('error', this.countRedisError);
    deps.redis.on('error', this.countRedisError);
    this.connectionSettings = {
      maxMessagesPerSecond: config.maxMessagesPerSecond,
      maxBufferedBytes: config.maxBufferedBytes,
      onSlowConsumer: () => this.metrics.closed.inc({ reason: 'slow_consumer' }),
    };
    this.hub = new ChannelHub(this.subscriber, deps.realtime, this.metrics, logger, {
      onDown: () => this.onRedisDown(),
      commandsReady: () => waitForRedis(deps.redis, 10_000),
      onRecovered: () => void this.heartbeat(true),
    });
    this.presence = new PresenceTracker(deps.realtime, this.instanceId, {
      ttlMs: config.presenceTtlMs,
      listLimit: options.presenceListLimit ?? 50,
    });
    this.messages = new ClientMessages(this.hub, this.presence, deps.realtime, this.metrics, this.addresses, {
      maxSubscriptions: config.maxSubscriptions,
      typingRelayMs: options.typingRelayMs ?? 2000,
    });
    // No per-message compression: its zlib state costs tens of KB per connection.
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: config.maxMessageBytes,
    });
    this.server = createServer((request, response) => void this.onHttpRequest(request, response));
    // A backstop under the caps, for sockets that never get as far as a handshake: beyond it,
    // new ones are closed as they arrive, without an answer, so the descriptors stay bounded.
    this.server.maxConnections = this.maxConnections + SOCKET_HEADROOM;
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.onUpgrade(request, socket, head);
    });
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    this.startTimers(options);
  }

  /** The pings, presence heartbeats, session checks and address sweeps, until `close`. */
  private startTimers(options: GatewayOptions): void {
    const { config } = this.deps;
    const every = (ms: number, run: () => unknown) => {
      const timer = setInterval(run, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.min(SWEEP_TICK_MS, config.pingIntervalMs), () => this.sweepConnections());
    every(options.heartbeatMs ?? Math.floor(config.presenceTtlMs / 3), () => {
      void this.heartbeat(false);
      void this.syncClock();
    });
    every(options.sessionCheckMs ?? 5000, () => void this.checkSessions());
    every(60_000, () => this.addresses.sweep(Date.now()));
  }

  /** Listens on the given address; resolves with the `ws://` base URL. */
  async listen(host: string, port: number): Promise<string> {
    await this.syncClock();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    return `ws://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, takes this instance's clients out of presence, closes every
   * connection with 1001 (clients reconnect to another instance) and waits briefly for them.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.hub.rooms.values()].map((room) => this.presence.drop(room).catch(() => {})));
    for (const conn of this.connections) conn.ws.close(CLOSE.goingAway, 'server shutting down');
    const deadline = Date.now() + this.closeGraceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await sleep(20);
    for (const conn of this.connections) conn.ws.terminate();
    this.server.closeAllConnections();
    await stopped;
    this.deps.redis.off('error', this.countRedisError);
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  /** Measures Redis's clock against ours, so times sent to clients match the event log's. */
  private async syncClock(): Promise<void> {
    try {
      const before = Date.now();
      const [seconds, micros] = await this.deps.redis.time();
      const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      this.clockOffset = redisNow - Math.round((before + Date.now()) / 2);
    } catch {
      // Keep the last offset; Redis is unreachable and will be measured again.
    }
  }

  private async onHttpRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const json = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (path === '/health') {
      const ok = this.hub.available && this.deps.redis.status === 'ready';
      return json(ok ? 200 : 503, ok ? { status: 'ok' } : { status: 'unavailable' });
    }
    if (path === '/metrics') {
      const text = await this.metrics.registry.metrics();
      response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text);
      return;
    }
    if (path === '/ws') {
      const error = new ThreadKitError('upgrade_required');
      return json(error.status, error.toJSON());
    }
    json(404, { error: 'Not found. The WebSocket endpoint is /ws.', code: 'not_found' });
  }

  private async onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname !== '/ws')
      return this.handshake.refuse(socket, new ThreadKitError('not_found', 'The endpoint is /ws.'));
    if (this.closing)
      return this.handshake.refuse(socket, new ThreadKitError('unavailable', 'The server is shutting down.'));
    const address = this.admit(request, socket);
    if (address === null) return;
    let outcome: HandshakeOutcome;
    try {
      outcome = await this.handshake.check(url, request.headers.origin);
    } catch (error) {
      return this.handshake.refuse(socket, error as ThreadKitError);
    }
    if (socket.destroyed || this.closing) return;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      if (outcome.refusal) return this.handshake.closeRefused(ws, outcome.refusal);
      this.accept(
        new Connection(ws, outcome.siteId, outcome.identity, address, this.connectionSettings, Date.now()),
      );
    });
  }

  /**
   * Takes a place for the socket under the connection caps, before anything is looked up or
   * allocated, so the caps hold however fast sockets arrive; null when it was refused.
   */
  private admit(request: IncomingMessage, socket: Duplex): string | null {
    // (A socket the client already closed has no address; it is gone in a moment anyway.)
    const address = proxyAddr(request, this.trustedProxy) ?? '';
    const admission = this.addresses.admit(address, Date.now());
    if (admission !== 'accepted') {
      this.handshake.refuseOverCap(socket, admission, address, this.maxConnections);
      return null;
    }
    // The place is held as long as the socket: handshake, refusal or connection.
    if (socket.destroyed) this.addresses.release(address, Date.now());
    else socket.once('close', () => this.addresses.release(address, Date.now()));
    return address;
  }

  private accept(conn: Connection): void {
    this.connections.add(conn);
    this.metrics.connections.set(this.connections.size);
    this.metrics.connectionsTotal.inc();
    this.deps.usage.recordWebSocketConnection(conn.siteId);
    const { ws } = conn;
    ws.on('message', (data: RawData, isBinary: boolean) => void this.onClientMessage(conn, data, isBinary));
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('close', () => void this.onClose(conn));
    // A socket error (including a message over the size limit) is followed by 'close'.
    ws.on('error', () => {});
    conn.notify('connected', { user_id: conn.userId, server_time: Date.now() + this.clockOffset });
    this.metrics.messagesOut.inc();
    if (conn.identity) {
      this.hub.watchUser(conn).catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'could not subscribe to a user channel');
      });
    }
  }

  private async onClientMessage(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    this.metrics.messagesIn.inc();
    const now = Date.now();
    conn.lastMessageAt = now;
    if (!conn.takeMessageToken(now)) {
      if (conn.overLimit()) {
        this.metrics.closed.inc({ reason: 'rate_limit' });
        conn.ws.close(CLOSE.policy, 'too many messages');
      } else if (conn.shouldReportLimit(now)) {
        this.sendError(
          conn,
          'rate_limited',
          `At most ${this.deps.config.maxMessagesPerSecond} messages per second.`,
        );
      }
      return;
    }
    try {
      if (isBinary) throw new ProtocolError('invalid_json', 'Messages are JSON text.');
      const message = parseClientMessage(data.toString());
      await conn.enqueue(() => this.messages.handle(conn, message));
    } catch (error) {
      if (error instanceof ProtocolError) return this.sendError(conn, error.code, error.message);
      if (
        (error instanceof ThreadKitError && error.code === 'unavailable') ||
        (error instanceof Error && isConnectionError(error))
      ) {
        return this.sendError(
          conn,
          'unavailable',
          'Live updates are unavailable right now; try again shortly.',
        );
      }
      this.deps.logger.error({ err: error }, 'WebSocket message failed');
    }
  }

  private sendError(conn: Connection, code: LiveErrorCode, message: string): void {
    this.metrics.errorsSent.inc({ code });
    conn.error(code, message);
  }

  private async onClose(conn: Connection): Promise<void> {
    if (!this.connections.delete(conn)) return;
    this.metrics.connections.set(this.connections.size);
    this.hub.unwatchUser(conn);
    await this.messages.leaveAll(conn).catch((error: unknown) => {
      // Presence not released here expires with this instance's next heartbeats.
      this.deps.logger.debug({ err: error }, 'could not update presence for a closed connection');
    });
  }

  /**
   * Drops peers that missed a ping and connections idle too long; pings the
   * rest. Each tick takes the next slice of the connections, so every one is
   * visited once per ping interval without stalling delivery on a long loop.
   */
  private sweepConnections(): void {
    const now = Date.now();
    const tickMs = Math.min(SWEEP_TICK_MS, this.deps.config.pingIntervalMs);
    let quota = Math.ceil((this.connections.size * tickMs) / this.deps.config.pingIntervalMs);
    while (quota-- > 0) {
      this.sweepCursor ??= this.connections.values();
      const next = this.sweepCursor.next();
      if (next.done) {
        // A full round: start over next tick.
        this.sweepCursor = null;
        break;
      }
      const conn = next.value;
      if (!conn.alive) {
        this.metrics.closed.inc({ reason: 'dead' });
        conn.ws.terminate();
      } else if (now - conn.lastMessageAt > this.deps.config.idleTimeoutMs) {
        this.metrics.closed.inc({ reason: 'idle' });
        conn.ws.close(CLOSE.idle, 'idle');
      } else {
        conn.alive = false;
        conn.ws.ping();
      }
    }
  }

  /** Refreshes this instance's presence on every page and sends changed counts to its clients. */
  private async heartbeat(announce: boolean): Promise<void> {
    if (!this.hub.available) return;
    await Promise.all(
      [...this.hub.rooms.values()].map(async (room) => {
        try {
          const snapshot = await this.presence.beat(room);
          // A client still joining would get a count before its own answer: tell the room next time.
          if (room.settling > 0 || (!announce && snapshot.count === room.lastCount)) return;
          room.lastCount = snapshot.count;
          this.hub.broadcast(room, 'presence', {
            page_id: room.pageId,
            users: snapshot.users,
            count: snapshot.count,
          });
        } catch (error) {
          // Whatever the count is now, send it with the next heartbeat that gets through.
          room.lastCount = -1;
          this.deps.logger.debug({ err: error, page: room.pageId }, 'presence heartbeat failed');
        }
      }),
    );
  }

  /** Closes connections whose session ended or whose user was banned; keeps roles current. */
  private async checkSessions(): Promise<void> {
    if (this.hub.available) await this.sessions.run(this.connections);
  }

  private endSession(conn: Connection, { banned, message }: SessionEnd): void {
    this.sendError(conn, 'unauthorized', message);
    this.metrics.closed.inc({ reason: banned ? 'banned' : 'session_ended' });
    conn.ws.close(banned ? CLOSE.banned : CLOSE.unauthorized, message);
  }

  /** Closes the connections of a site whose data is being deleted (4001, as for a key that stopped working). */
  private closeSite(siteId: string): void {
    const message = 'This site has been deleted.';
    for (const conn of this.connections) {
      if (conn.siteId !== siteId) continue;
      this.sendError(conn, 'unauthorized', message);
      this.metrics.closed.inc({ reason: 'site_deleted' });
      conn.ws.close(CLOSE.unauthorized, message);
    }
  }

  private onRedisDown(): void {
    if (this.closing) return;
    this.deps.logger.warn('real-time gateway lost Redis; clients are told and events are replayed on return');
    for (const conn of this.connections) {
      this.sendError(conn, 'unavailable', 'Live updates are paused; missed events follow when they resume.');
    }
  }
}

/** The ping sweep's tick: it pings a slice of the connections this often. */
const SWEEP_TICK_MS = 250;

/** Sockets the gateway's port keeps beyond its connection cap: `/health`, `/metrics` and refusals. */
const SOCKET_HEADROOM = 32;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
