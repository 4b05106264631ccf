import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { errorCodesOn, type WebSocketErrorCode } from '../errors.js';
import { CommentRef, NotificationSchema, PageId, PresentUserSchema, StreamId } from './schemas.js';

/** `error` codes the gateway sends: the error registry's WebSocket codes (`errors.ts`). */
export const LIVE_ERROR_CODES: readonly WebSocketErrorCode[] = errorCodesOn('websocket');
export type LiveErrorCode = WebSocketErrorCode;

/** Logged page events carry their id in the page's log, added as the gateway sends them. */
const logged = <P extends Record<string, TSchema>>(params: P) =>
  Type.Object({ page_id: PageId, ...params, event_id: Type.Optional(StreamId) });

/**
 * What the gateway sends clients: JSON-RPC 2.0 notifications, one per method
 * below. Every one is built by `serverMessage` (`messages.ts`) from these
 * types; docs/api.md lists the same methods and fields (a test keeps them equal).
 */
export const SERVER_PARAMS = {
  connected: Type.Object({
    user_id: Type.Union([Type.String(), Type.Null()]),
    server_time: Type.Integer({ description: "The server's clock (ms)." }),
  }),
  presence: Type.Object({
    page_id: PageId,
    users: Type.Array(PresentUserSchema),
    count: Type.Integer({ minimum: 0 }),
  }),
  user_joined: Type.Object({ page_id: PageId, user: PresentUserSchema, count: Type.Integer({ minimum: 0 }) }),
  user_left: Type.Object({ page_id: PageId, user_id: Type.String(), count: Type.Integer({ minimum: 0 }) }),
  typing: Type.Object({
    page_id: PageId,
    user: PresentUserSchema,
    reply_to: Type.Union([Type.String(), Type.Null()]),
  }),
  new_comment: logged({ comment: CommentRef }),
  edit_comment: logged({ comment_id: Type.String(), content: Type.String(), content_html: Type.String() }),
  delete_comment: logged({ comment_id: Type.String() }),
  vote_update: logged({
    comment_id: Type.String(),
    upvotes: Type.Integer({ minimum: 0 }),
    downvotes: Type.Integer({ minimum: 0 }),
  }),
  pin_update: logged({ comment_id: Type.String(), pinned: Type.Boolean() }),
  lock_update: logged({ locked: Type.Boolean() }),
  notification: NotificationSchema,
  pong: Type.Object({}),
  reset: Type.Object({ page_id: PageId }),
  error: Type.Object({
    code: Type.Union(LIVE_ERROR_CODES.map((code) => Type.Literal(code))),
    message: Type.String(),
  }),
} as const;

export type ServerMethod = keyof typeof SERVER_PARAMS;
export type ServerParams<M extends ServerMethod> = Static<(typeof SERVER_PARAMS)[M]>;
export type ServerMessage = {
  [M in ServerMethod]: { jsonrpc: '2.0'; method: M; params: ServerParams<M> };
}[ServerMethod];

/** The methods of logged page events: each carries `event_id` and can be replayed. */
export const PAGE_EVENT_METHODS = [
  'new_comment',
  'edit_comment',
  'delete_comment',
  'vote_update',
  'pin_update',
  'lock_update',
] as const satisfies readonly ServerMethod[];
export type PageEventMethod = (typeof PAGE_EVENT_METHODS)[number];
