import type { Duplex } from 'node:stream';
import {
  type AuthService,
  OwnerTokens,
  requireAllowedOrigin,
  type SiteDirectory,
  serverMessage,
  ThreadKitError,
} from '@threadkit/core';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Admission } from './client-addresses.js';
import type { Identity } from './connection.js';
import type { GatewayMetrics } from './metrics.js';
import { CLOSE } from './protocol.js';
import { identityOf } from './session-checks.js';

/** What a handshake that passed the key and origin checks leads to. */
export type HandshakeOutcome =
  | { siteId: string; identity: Identity | null; refusal?: never }
  /** A bad token: the connection opens, is told why, and closes with this code. */
  | { siteId: string; identity?: never; refusal: { close: number; message: string } };

interface HandshakeDeps {
  sites: SiteDirectory;
  /** Whether the site's data is being deleted: its handshakes are refused (401). */
  purging: (siteId: string) => boolean;
  auth: AuthService;
  metrics: GatewayMetrics;
  logger: Logger;
  maxConnectionsPerAddress: number;
}

/**
 * The checks of a WebSocket handshake (`api.md`, Connecting). A wrong key or
 * origin is refused as HTTP, before the upgrade; a bad token opens the
 * connection and closes it with 4001 or 4003, which browsers show the page.
 */
export class Handshake {
  /** When a refusal for each cap was last logged: operators hear of it, not of every one. */
  private readonly refusalLoggedAt = { instance_full: 0, address_full: 0 };

  constructor(private readonly deps: HandshakeDeps) {}

  /** The site and who is connecting; throws the ThreadKitError to refuse the handshake with. */
  async check(url: URL, origin: string | undefined): Promise<HandshakeOutcome> {
    try {
      const siteId = await this.checkKey(url.searchParams.get('project_id'), origin);
      const token = url.searchParams.get('token');
      if (!token) return { siteId, identity: null };
      try {
        return { siteId, identity: await this.identify(siteId, token) };
      } catch (error) {
        if (!(error instanceof ThreadKitError) || !['unauthorized', 'banned'].includes(error.code))
          throw error;
        const close = error.code === 'banned' ? CLOSE.banned : CLOSE.unauthorized;
        return { siteId, refusal: { close, message: error.message } };
      }
    } catch (error) {
      if (error instanceof ThreadKitError) throw error;
      this.deps.logger.error({ err: error }, 'WebSocket handshake failed');
      throw new ThreadKitError('unavailable', 'Try again shortly.');
    }
  }

  /** Tells an opened connection why its token was refused, and closes it. */
  closeRefused(ws: WebSocket, refusal: { close: number; message: string }): void {
    ws.send(serverMessage('error', { code: 'unauthorized', message: refusal.message }));
    ws.close(refusal.close, refusal.message.slice(0, 120));
    this.deps.metrics.closed.inc({ reason: 'unauthorized' });
  }

  /** Refuses a handshake over a connection cap, and tells the log now and then. */
  refuseOverCap(
    socket: Duplex,
    admission: Exclude<Admission, 'accepted'>,
    address: string,
    maxConnections: number,
  ): void {
    const { logger, maxConnectionsPerAddress } = this.deps;
    const now = Date.now();
    if (now - this.refusalLoggedAt[admission] > 60_000) {
      this.refusalLoggedAt[admission] = now;
      if (admission === 'instance_full')
        logger.warn({ limit: maxConnections }, 'WebSocket connections refused: WS_MAX_CONNECTIONS reached');
      else
        logger.warn(
          { address, limit: maxConnectionsPerAddress },
          'WebSocket connections refused: WS_MAX_CONNECTIONS_PER_ADDRESS reached (behind a proxy, is it in TRUST_PROXY?)',
        );
    }
    this.refuse(
      socket,
      admission === 'instance_full'
        ? new ThreadKitError(
            'unavailable',
            'This server has all the live connections it can take; try again shortly.',
          )
        : new ThreadKitError(
            'rate_limited',
            `At most ${maxConnectionsPerAddress} live connections from one address; close one first.`,
          ),
    );
  }

  /** Answers the handshake with an HTTP error and closes the socket. */
  refuse(socket: Duplex, error: ThreadKitError): void {
    this.deps.metrics.rejected.inc({ status: error.status });
    const body = JSON.stringify({ error: error.message, code: error.code });
    // Closed once the answer is written, without waiting for the client: its descriptor is freed now.
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${error.status} ${error.code}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  /** The site of a public key used from one of its allowed origins (as for HTTP). */
  private async checkKey(key: string | null, origin: string | undefined): Promise<string> {
    if (!key) throw new ThreadKitError('unauthorized', 'Send the site key in the project_id parameter.');
    const { site, kind } = await this.deps.sites.resolveApiKey(key);
    if (kind !== 'public') throw new ThreadKitError('forbidden', 'Secret keys must never be put in a URL.');
    requireAllowedOrigin(origin, site.settings, key, this.deps.sites.mode);
    if (this.deps.purging(site.id)) throw new ThreadKitError('unauthorized', 'This site has been deleted.');
    return site.id;
  }

  private async identify(siteId: string, token: string): Promise<Identity> {
    // The dashboard's owner tokens are for its calls to the HTTP API, not for live connections.
    if (OwnerTokens.isOwnerToken(token))
      throw new ThreadKitError('unauthorized', 'Owner tokens do not open live connections.');
    const viewer = await this.deps.auth.authenticate(siteId, token);
    const user = viewer.user!;
    return identityOf(siteId, user, viewer.sessionId!, await this.deps.auth.isShadowbanned(siteId, user.id));
  }
}
