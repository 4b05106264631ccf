import { GatewaySocket, type GatewayTarget, HandshakeRefused } from '../gateway.js';
import type { LoadOptions } from '../options.js';
import type { Outcome } from '../schedule.js';
import { errorKind } from '../schedule.js';

export const target = (options: LoadOptions): GatewayTarget => ({
  wsUrl: options.wsUrl,
  key: options.key,
  origin: options.origin,
});

/** Connections opening at once while a WebSocket scenario sets up or ramps. */
export const OPENING_AT_ONCE = 50;

/**
 * Opens a connection and subscribes it to the page: 101 (switched protocols)
 * once its `presence` is in, the status of a refused handshake, or the error.
 */
export async function openSubscribed(
  options: LoadOptions,
  pageId: string,
  operation: string,
): Promise<{ outcome: Outcome; socket?: GatewaySocket }> {
  let socket: GatewaySocket | undefined;
  try {
    socket = await GatewaySocket.open(target(options));
    await socket.subscribe(pageId);
    return { outcome: { status: 101, operation }, socket };
  } catch (error) {
    await socket?.close();
    if (error instanceof HandshakeRefused) return { outcome: { status: error.status, operation } };
    return { outcome: { error: errorKind(error), operation } };
  }
}

/** Close codes of connections the server ended, by code. */
export function serverCloses(sockets: Iterable<GatewaySocket>): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const socket of sockets) {
    if (socket.closedWith !== null) codes[socket.closedWith] = (codes[socket.closedWith] ?? 0) + 1;
  }
  return codes;
}

export async function closeAll(sockets: Iterable<GatewaySocket>): Promise<void> {
  await Promise.all([...sockets].map((socket) => socket.close()));
}
