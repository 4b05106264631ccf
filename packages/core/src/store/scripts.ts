import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/**
 * The Lua scripts: each one atomic multi-key write (or consistent read) of the
 * comment engine. They ship beside the compiled store, get the shared prelude
 * prepended, and are called with EVALSHA, falling back to EVAL when the server
 * answers NOSCRIPT (after a restart, a failover or SCRIPT FLUSH).
 *
 * Not ioredis's `defineCommand`: with auto-pipelining it cannot tell that a
 * script is already loaded, and sends the whole script body with every batch.
 */
const FILES = {
  createComment: 'create_comment.lua',
  editComment: 'edit_comment.lua',
  deleteComment: 'delete_comment.lua',
  vote: 'vote.lua',
  reportComment: 'report_comment.lua',
  pinComment: 'pin_comment.lua',
  pageView: 'page_view.lua',
  readThread: 'read_thread.lua',
  rotateRefresh: 'rotate_refresh.lua',
  startSession: 'start_session.lua',
  proveAddress: 'prove_address.lua',
  createAccount: 'create_account.lua',
  checkCode: 'check_code.lua',
  eraseUser: 'erase_user.lua',
  moderateComment: 'moderate_comment.lua',
  banUser: 'ban_user.lua',
  unbanUser: 'unban_user.lua',
  setShadowban: 'set_shadowban.lua',
  setRole: 'set_role.lua',
  linkIdentity: 'link_identity.lua',
  addNotification: 'add_notification.lua',
  readNotifications: 'read_notifications.lua',
  claimMail: 'claim_mail.lua',
  retryMail: 'retry_mail.lua',
  holdMail: 'hold_mail.lua',
  peekDigest: 'peek_digest.lua',
  commitDigest: 'commit_digest.lua',
  rateLimit: 'rate_limit.lua',
  publishPageEvent: 'publish_page_event.lua',
  pageEventsSince: 'page_events_since.lua',
  logPosition: 'log_position.lua',
  presence: 'presence.lua',
  listNotifications: 'list_notifications.lua',
  addCommenter: 'add_commenter.lua',
  votesOn: 'votes_on.lua',
  sessionState: 'session_state.lua',
  readerOverlay: 'reader_overlay.lua',
  signedInRead: 'signed_in_read.lua',
  purgeStep: 'purge_step.lua',
  scanSite: 'scan_site.lua',
  purgeLock: 'purge_lock.lua',
  finishPurge: 'finish_purge.lua',
  enqueueWebhook: 'enqueue_webhook.lua',
  recordWebhookAttempt: 'record_webhook_attempt.lua',
  importComments: 'import_comments.lua',
} as const;

export type ScriptName = keyof typeof FILES;

/** What each script returns, as ioredis decodes it. */
export interface ScriptResults {
  createComment: [isPublic: number, parentId: string];
  editComment: [record: Buffer, wasPublic: number, isPublic: number];
  deleteComment: (string | number)[];
  vote: [
    upvotes: number,
    downvotes: number,
    userVote: string,
    pageId: string,
    authorId: string,
    isPublic: number,
  ];
  reportComment: number;
  pinComment: [pageId: string, isPublic: number, authorId: string];
  pageView: [views: number, version: number, epoch: number, count: number, updated: number];
  readThread: ReadThreadReply;
  rotateRefresh: string;
  startSession: number;
  proveAddress: number;
  createAccount: number;
  checkCode: string;
  eraseUser: string[];
  moderateComment: [pageId: Buffer, before: Buffer, record: Buffer, wasPublic: number, isPublic: number];
  banUser: (string | number)[];
  unbanUser: number;
  setShadowban: number;
  setRole: number;
  linkIdentity: [status: 'linked' | 'ok' | 'login_taken' | 'no_user', userId: string];
  addNotification: [added: 1, pageUrl: Buffer | null, record: Buffer | null] | null;
  listNotifications: [unread: number, ...rows: (string | number)[]];
  addCommenter: number;
  votesOn: string[] | null;
  sessionState: [owner: string, banned: number, ...fields: (string | null)[]];
  readerOverlay: ReaderOverlayReply;
  signedInRead: [session: ScriptResults['sessionState'], overlay?: ReaderOverlayReply];
  readNotifications: number;
  claimMail: string | null;
  retryMail: number;
  holdMail: number;
  peekDigest: [endsOrZero: number, ...rest: (number | string)[]];
  commitDigest: number;
  rateLimit: number[];
  publishPageEvent: string;
  pageEventsSince: (number | string)[];
  logPosition: string;
  presence: [count: number, ...profiles: string[]];
  purgeStep: [cursor: string, removed: number];
  scanSite: [cursor: string, ids: string[]];
  purgeLock: number;
  finishPurge: number;
  enqueueWebhook: [queued: string[], full: string[]];
  recordWebhookAttempt: [left: number, disabled: number];
  importComments: [
    written: number,
    present: number,
    pageWasNew: number,
    authorCount: number,
    ...ids: string[],
  ];
}

/** `reader_overlay` in prelude.lua: hidden ids, then (with a votes hash) all the votes or false. */
export type ReaderOverlayReply = [hidden: string[], votes?: string[] | null];

/** Read with `runScriptBuffers`: the records are binary. */
export type ReadThreadReply = [
  version: number,
  epoch: number,
  count: number,
  updated: number,
  nextScore: Buffer,
  nextId: Buffer,
  pinned: Buffer[],
  /** id, record, listed replies; repeated. */
  comments: (Buffer | number)[],
  locked: number,
  reached: number,
];

interface LoadedScript {
  lua: string;
  sha: string;
}

let loaded: Record<ScriptName, LoadedScript> | undefined;

const read = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');

/** The helpers every script starts with (key builders, scores, visibility). */
export const luaPrelude = (): string => read('prelude.lua');

/** Script sources with the prelude in front, read once per process. */
export function scripts(): Record<ScriptName, LoadedScript> {
  if (!loaded) {
    const prelude = luaPrelude();
    loaded = Object.fromEntries(
      Object.entries(FILES).map(([name, file]) => {
        const lua = `${prelude}\n${read(file)}`;
        return [name, { lua, sha: createHash('sha1').update(lua).digest('hex') }];
      }),
    ) as Record<ScriptName, LoadedScript>;
  }
  return loaded;
}

/** Runs a script by its SHA; on NOSCRIPT, sends the source once, which also loads it for later calls. */
export function runScript<N extends ScriptName>(
  redis: Redis | Cluster,
  name: N,
  keys: string[],
  args: (string | number)[],
): Promise<ScriptResults[N]> {
  return evaluate(redis, name, keys, args, ['evalsha', 'eval']);
}

/** Like `runScript`, for scripts whose answer holds binary strings (comment records): they come back as Buffers. */
export function runScriptBuffers<N extends ScriptName>(
  redis: Redis | Cluster,
  name: N,
  keys: string[],
  args: (string | number)[],
): Promise<ScriptResults[N]> {
  // ioredis has the Buffer forms of every command but types only the string ones; `callBuffer`
  // would be typed, but under auto-pipelining it loses its command name.
  return evaluate(redis, name, keys, args, ['evalshaBuffer', 'evalBuffer']);
}

type Evaluator = (...args: unknown[]) => Promise<unknown>;

async function evaluate<N extends ScriptName>(
  redis: Redis | Cluster,
  name: N,
  keys: string[],
  args: (string | number)[],
  [bySha, bySource]: [string, string],
): Promise<ScriptResults[N]> {
  const { lua, sha } = scripts()[name];
  const client = redis as unknown as Record<string, Evaluator>;
  try {
    return (await client[bySha]!.call(redis, sha, keys.length, ...keys, ...args)) as ScriptResults[N];
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return (await client[bySource]!.call(redis, lua, keys.length, ...keys, ...args)) as ScriptResults[N];
  }
}
