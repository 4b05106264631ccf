import { randomBytes } from 'node:crypto';
import type { CommentView } from '../types.js';
import type { PageEvent } from './domain-events.js';
import type { Audience, PresentUser } from './schemas.js';
import type { PageEventMethod, ServerMethod, ServerParams } from './server.js';

/**
 * The one place server → client messages are serialised. Each message is
 * turned into JSON once, here; from then on it travels as bytes: through Redis
 * in an envelope, out of the gateway to every client that may see it.
 */

/** A server → client message, as the text to send. */
export function serverMessage<M extends ServerMethod>(method: M, params: ServerParams<M>): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}

/** The message readers of the page get for a domain event. */
export function pageEventMessage(event: PageEvent): string {
  const page_id = event.pageId;
  switch (event.type) {
    case 'comment.created':
      return pageMessage('new_comment', { page_id, comment: event.comment });
    case 'comment.edited':
      return pageMessage('edit_comment', {
        page_id,
        comment_id: event.commentId,
        content: event.content,
        content_html: event.contentHtml,
      });
    case 'comment.deleted':
      return pageMessage('delete_comment', { page_id, comment_id: event.commentId });
    case 'comment.voted':
      return pageMessage('vote_update', {
        page_id,
        comment_id: event.commentId,
        upvotes: event.upvotes,
        downvotes: event.downvotes,
      });
    case 'comment.pinned':
      return pageMessage('pin_update', { page_id, comment_id: event.commentId, pinned: event.pinned });
    case 'page.locked':
      return pageMessage('lock_update', { page_id, locked: event.locked });
  }
}

/** A logged page event's message; `event_id` is added as it is sent (`withEventId`). */
const pageMessage = <M extends PageEventMethod>(method: M, params: Omit<ServerParams<M>, 'event_id'>) =>
  serverMessage(method, params as ServerParams<M>);

/**
 * A logged event's message with its id in the page's log: `event_id` becomes
 * the last field of `params`, exactly as if it had been serialised with it.
 * (A page event's message ends with its non-empty `params`, closing `}}`.)
 */
export function withEventId(message: string, eventId: string): string {
  return `${message.slice(0, -2)},"event_id":"${eventId}"}}`;
}

/**
 * What travels over a page or user channel and in a page's log, before the
 * message itself: who may see it, and what the gateway needs to route it
 * without reading the message.
 */
export interface EnvelopeHeader {
  audience: Audience;
  /** The user whose own connections skip it (a typist, an arriving user: they know). */
  skip?: string;
  /** The page's presence count it carries (joins and leaves). */
  count?: number;
}

/** An envelope as read from Redis: a published page event has its log id too. */
export interface Envelope extends EnvelopeHeader {
  id?: string;
  /** The message, as the bytes to send. */
  message: string;
}

/** The message is the envelope's last field, so it can be read and sent without parsing it. */
const MESSAGE_FIELD = ',"message":';

/**
 * `{"audience":…,"skip":…,"count":…,"message":<message>}`: the layout of
 * docs/redis.md. The message is placed as it is, not serialised again.
 */
export function encodeEnvelope(header: EnvelopeHeader, message: string): string {
  return `${JSON.stringify(header).slice(0, -1)}${MESSAGE_FIELD}${message}}`;
}

/**
 * Reads an envelope's header, and slices out its message untouched; null when
 * it is not an envelope. Inside JSON strings quotes are escaped, and no header
 * field holds an object with a `message`, so the first `,"message":` is the
 * envelope's own field.
 */
export function readEnvelope(payload: string): Envelope | null {
  const at = payload.indexOf(MESSAGE_FIELD);
  if (at < 0 || !payload.endsWith('}')) return null;
  try {
    const header = JSON.parse(`${payload.slice(0, at)}}`) as Envelope;
    if (typeof header.audience !== 'object' || header.audience === null) return null;
    header.message = payload.slice(at + MESSAGE_FIELD.length, -1);
    return header;
  } catch {
    return null;
  }
}

/**
 * An envelope some of whose values only a Lua script knows when it runs (the
 * new count, where a comment was stored). The text is serialised here as
 * usual; each hole becomes a raw `\x01name\x01`, which JSON text never holds
 * (it escapes control characters), and `fill` in `prelude.lua` puts the
 * script's JSON value in its place. The script thus publishes these bytes,
 * assembling no JSON of its own.
 */
export function fillable(build: (hole: <T>(name: string) => T) => string): string {
  const text = build(<T>(name: string) => `${HOLE}${name}\u0001` as T);
  return text.replace(HOLES, '\u0001$1\u0001');
}

/** Holes carry a secret of the process, so that no text a user wrote can pass for one. */
const SECRET = randomBytes(12).toString('hex');
const HOLE = `\u0001${SECRET}`;
const HOLES = new RegExp(`"\\\\u0001${SECRET}([a-z_]+)\\\\u0001"`, 'g');

/**
 * What `presence.lua` publishes when a user arrives on a page or leaves it,
 * in the same step as the change: `$user` (their profile), `$user_id` and
 * `$count` (the page's new count) are its holes.
 */
export function presenceAnnouncements(pageId: string): { joined: string; left: string } {
  const joined = fillable((hole) => {
    const count = hole<number>('count');
    return encodeEnvelope(
      // The arriving user's own connections skip it: their presence answer lists them.
      { audience: { public: true }, skip: hole<string>('user_id'), count },
      serverMessage('user_joined', { page_id: pageId, user: hole<PresentUser>('user'), count }),
    );
  });
  const left = fillable((hole) => {
    const count = hole<number>('count');
    return encodeEnvelope(
      { audience: { public: true }, count },
      serverMessage('user_left', { page_id: pageId, user_id: hole<string>('user_id'), count }),
    );
  });
  return { joined, left };
}

/**
 * A vote's `vote_update`, for `vote.lua` to log and publish in the same step
 * as the vote: for everyone, and for the comment's author and moderators only
 * (the script knows which applies). The script alone knows the comment's page
 * and author and the counts the vote left, so everything but the method is a
 * hole (`$comment_id`, `$page_id`, `$user_id`, `$upvotes`, `$downvotes`), and
 * the two envelopes are made once per process.
 */
export function voteUpdateAnnouncements(): { everyone: string; hidden: string } {
  voteUpdates ??= { everyone: voteUpdateEnvelope(false), hidden: voteUpdateEnvelope(true) };
  return voteUpdates;
}

let voteUpdates: { everyone: string; hidden: string } | undefined;

const voteUpdateEnvelope = (hidden: boolean) =>
  fillable((hole) => {
    const audience: Audience = hidden
      ? { public: false, user_id: hole<string>('user_id') }
      : { public: true };
    return encodeEnvelope(
      { audience },
      pageEventMessage({
        type: 'comment.voted',
        siteId: '',
        pageId: hole<string>('page_id'),
        audience,
        commentId: hole<string>('comment_id'),
        upvotes: hole<number>('upvotes'),
        downvotes: hole<number>('downvotes'),
        voterId: '',
        vote: null,
        authorId: '',
      }),
    );
  });

/**
 * A new comment's `new_comment`, for `create_comment.lua` to log and publish
 * in the same step as the write: for everyone, and for its author and
 * moderators only (the script knows which applies), with `$pid` (the comment
 * it was stored under) to fill.
 */
export function newCommentAnnouncements(
  pageId: string,
  comment: CommentView,
): { everyone: string; hidden: string } {
  const build = (audience: Audience) =>
    fillable((hole) =>
      encodeEnvelope(
        { audience },
        pageEventMessage({
          type: 'comment.created',
          siteId: '',
          pageId,
          audience,
          comment: { ...comment, pid: hole<string>('pid') },
        }),
      ),
    );
  return {
    everyone: build({ public: true }),
    hidden: build({ public: false, user_id: comment.a ?? '' }),
  };
}
