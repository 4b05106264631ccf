import { type Static, Type } from '@sinclair/typebox';
import { PageId, Since } from './schemas.js';

/**
 * What clients send the gateway: JSON-RPC 2.0 notifications, one per method
 * below. The gateway validates every message against these schemas before it
 * acts on it; docs/api.md lists the same methods and fields (a test keeps them equal).
 */
export const CLIENT_PARAMS = {
  /** With `since`, the missed events come first, as for `resync`. */
  subscribe: Type.Object({ page_id: PageId, since: Type.Optional(Since) }),
  unsubscribe: Type.Object({ page_id: PageId }),
  typing: Type.Object({
    page_id: PageId,
    reply_to: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  }),
  ping: Type.Object({}),
  resync: Type.Object({ page_id: PageId, since: Since }),
} as const;

export type ClientMethod = keyof typeof CLIENT_PARAMS;
export type ClientParams<M extends ClientMethod> = Static<(typeof CLIENT_PARAMS)[M]>;
export type ClientMessage = { [M in ClientMethod]: { method: M; params: ClientParams<M> } }[ClientMethod];
