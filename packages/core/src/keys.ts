/**
 * Every Redis key and channel name ThreadKit uses, built in one place.
 * `docs/redis.md` documents each of them.
 *
 * All of a site's keys carry the site id as a Redis Cluster hash tag (`{…}`),
 * so every key one atomic script touches lives in the same slot. Lua scripts
 * receive the site prefix and derive the keys they need from it with the same
 * layout (`store/lua/prelude.lua`; a test keeps the two equal).
 *
 * Names are short on purpose: a comment's key name is stored once per comment,
 * and its id again in each index it sits in, so every byte here is a megabyte
 * at a million comments.
 */

/** The layout of keys and records this code reads and writes (`docs/redis.md`). */
export const LAYOUT_VERSION = 2;

export const sitePrefix = (siteId: string) => `tk:{${siteId}}`;

const site = sitePrefix;
const comment = (s: string, c: string) => `${site(s)}:c:${c}`;
const page = (s: string, p: string) => `${site(s)}:p:${p}`;
const user = (s: string, u: string) => `${site(s)}:u:${u}`;
const session = (s: string, sid: string) => `${site(s)}:s:${sid}`;

export const keys = {
  /** HASH: site record (name, domain, keys, settings). */
  site: (siteId: string) => site(siteId),
  /** STRING: site-wide visibility epoch, bumped when a change affects many pages (shadow-ban, erasure). */
  siteEpoch: (siteId: string) => `${site(siteId)}:epoch`,
  /** SET: shadow-banned user ids. */
  shadowbanned: (siteId: string) => `${site(siteId)}:sb`,
  /** ZSET: comment ids with open reports, scored by the latest report time (ms). */
  reports: (siteId: string) => `${site(siteId)}:rq`,
  /** ZSET: comments waiting for a moderator (pending, or published under post-moderation), by creation (ms). */
  modqueue: (siteId: string) => `${site(siteId)}:mq`,
  /** SET: banned user ids. */
  banned: (siteId: string) => `${site(siteId)}:ban`,
  /** SET: ids of the site's admins or moderators. */
  roleMembers: (siteId: string, role: 'admin' | 'moderator') => `${site(siteId)}:role:${role}`,
  /** LIST: moderation audit log, newest first, JSON entries, capped. */
  audit: (siteId: string) => `${site(siteId)}:audit`,

  /** STRING: one comment, a MessagePack array (`store/comment-record.ts`). */
  comment,
  /** ZSET: a comment's published replies, scored by creation time (ms). */
  replies: (siteId: string, commentId: string) => `${comment(siteId, commentId)}:r`,
  /** HASH: reporter user id → report JSON. */
  commentReports: (siteId: string, commentId: string) => `${comment(siteId, commentId)}:rp`,
  /** STRING with TTL: set when the comment's author was told of an upvote; one upvote notification per window. */
  upvoteNotified: (siteId: string, commentId: string) => `${comment(siteId, commentId)}:un`,

  /** HASH: page record (url, key, counts, page views, version). */
  page,
  /** ZSET: the page's published root comments in one sort order. */
  pageIndex: (siteId: string, pageId: string, index: PageIndex) => `${page(siteId, pageId)}:${index}`,
  /** ZSET: pinned root comments, scored by pin time (ms). */
  pinned: (siteId: string, pageId: string) => `${page(siteId, pageId)}:pin`,
  /** ZSET: the page's hidden comments (all depths), by creation (ms): what only moderators see of it. */
  pageHidden: (siteId: string, pageId: string) => `${page(siteId, pageId)}:h`,
  /** ZSET: one author's hidden comments on the page, by creation (ms): what only they (and moderators) see. */
  pageHiddenBy: (siteId: string, pageId: string, userId: string) => `${page(siteId, pageId)}:h:${userId}`,
  /**
   * STREAM: the page's recent live events (field `e`: the JSON envelope), the
   * last few minutes and at most a few hundred, for WebSocket clients that resync.
   */
  pageEvents: (siteId: string, pageId: string) => `${page(siteId, pageId)}:ev`,
  /** ZSET: who is on the page: `<instance>|<user id>` (signed in) or `<instance>|` (that instance's anonymous readers), scored by expiry (ms). */
  presence: (siteId: string, pageId: string) => `${page(siteId, pageId)}:pr`,
  /** HASH: user id → how many instances hold that user on the page; its length is the number of people signed in there. */
  presenceUsers: (siteId: string, pageId: string) => `${page(siteId, pageId)}:pr:u`,
  /** HASH: user id → the present user's public profile JSON (`id`, `name`, `avatar`). */
  presenceProfiles: (siteId: string, pageId: string) => `${page(siteId, pageId)}:pr:p`,
  /** HASH: instance id → how many anonymous readers that instance has on the page. */
  presenceAnonymous: (siteId: string, pageId: string) => `${page(siteId, pageId)}:pr:a`,
  /** LIST: ids of the users who commented on the page, each once, whose names `@mentions` are matched against. */
  pageCommenters: (siteId: string, pageId: string) => `${page(siteId, pageId)}:who`,

  /** HASH: a commenter of this site (name, avatar, karma, role…). */
  user,
  /** HASH: comment id → `u` | `d`, the user's votes on this site. */
  userVotes: (siteId: string, userId: string) => `${user(siteId, userId)}:v`,
  /** LIST: the user's comments, oldest first, for bans, exports and account deletion (a list: compact at any length). */
  userComments: (siteId: string, userId: string) => `${user(siteId, userId)}:c`,
  /** STRING with TTL: `<comment id> <digest>` of the comment a post with this `Idempotency-Key` stored. */
  postOnce: (siteId: string, userId: string, key: string) => `${user(siteId, userId)}:ik:${key}`,
  /** ZSET: comments the user reported, by report time (ms): withdrawn when the account is erased. */
  userReports: (siteId: string, userId: string) => `${user(siteId, userId)}:rp`,
  /** STRING: unread notifications of the user (the seed's notification badge counter). */
  userUnread: (siteId: string, userId: string) => `${user(siteId, userId)}:nu`,
  /** ZSET: the user's notifications, compact members (`store/notification-store.ts`), by creation time (ms). */
  userNotifications: (siteId: string, userId: string) => `${user(siteId, userId)}:n`,
  /** HASH with TTL: the user's notification e-mail window: `e` when it ends (ms), `m` notifications left out of the digest. */
  userMailWindow: (siteId: string, userId: string) => `${user(siteId, userId)}:mw`,
  /** LIST with TTL: the user's notifications (JSON) waiting for the digest e-mail sent when the window ends. */
  userMailDigest: (siteId: string, userId: string) => `${user(siteId, userId)}:md`,
  /** ZSET (scores 0): session ids of a user, for revoking them all (a sorted set: compact while small). */
  userSessions: (siteId: string, userId: string) => `${user(siteId, userId)}:s`,
  /** SET: `<provider>:<subject>` of every provider identity linked to the user, for export and erasure. */
  userIdentities: (siteId: string, userId: string) => `${user(siteId, userId)}:idp`,
  /** STRING: user id of the account signing in with this e-mail (lower-cased) or phone (E.164). */
  login: (siteId: string, kind: 'email' | 'phone', value: string) => `${site(siteId)}:login:${kind}:${value}`,
  /** STRING: user id of the account a sign-in provider's identity (its `sub` / user id) signs in to. */
  identity: (siteId: string, provider: string, subject: string) =>
    `${site(siteId)}:idp:${provider}:${subject}`,
  /** STRING with TTL: a pending OAuth sign-in (JSON: provider, origin, PKCE verifier), deleted on first use. */
  oauthState: (siteId: string, state: string) => `${site(siteId)}:oauth:${state}`,
  /** STRING with TTL: a guest's pending hand-over to a provider sign-in (JSON: provider, user, session), by the link's SHA-256; deleted on first use. */
  oauthLink: (siteId: string, linkHash: string) => `${site(siteId)}:oauth-link:${linkHash}`,
  /** HASH with TTL: a one-time code (hash, attempts) for a purpose and a target. */
  code: (siteId: string, purpose: string, target: string) => `${site(siteId)}:code:${purpose}:${target}`,
  /** STRING with TTL: a counter for a limit window (codes sent, failed logins). */
  limit: (siteId: string, name: string, subject: string) => `${site(siteId)}:limit:${name}:${subject}`,
  /** HASH with TTL: a sliding-window rate-limit counter (`w` window index, `c` this window's count, `p` the previous one's). */
  rateLimit: (siteId: string, bucket: string, subject: string) => `${site(siteId)}:rl:${bucket}:${subject}`,
  /** HASH with TTL: the site's usage in a UTC month (`YYYY-MM`) or day (`YYYY-MM-DD`): a counter per field (`USAGE_COUNTERS`, `held:<step>`, `rejected:<step>`). */
  usage: (siteId: string, period: string) => `${site(siteId)}:usage:${period}`,
  /** HyperLogLog with TTL: the month's or day's unique visitors (keyed digests of user ids, or of address and user agent). */
  usageVisitors: (siteId: string, period: string) => `${site(siteId)}:usage:${period}:visitors`,
  /** ZSET with TTL: page id → page views in a UTC month, the top pages only (`USAGE_TOP_PAGES`). */
  usagePageViews: (siteId: string, month: string) => `${site(siteId)}:usage:${month}:page_views`,
  /** ZSET with TTL: page id → comments posted in a UTC month, the top pages only. */
  usagePageComments: (siteId: string, month: string) => `${site(siteId)}:usage:${month}:page_comments`,
  /** HASH with TTL: one sign-in session. */
  session,
  /** SET with TTL: hashes of the session's refresh tokens already rotated; presenting one again revokes it. */
  sessionUsedRefresh: (siteId: string, sessionId: string) => `${session(siteId, sessionId)}:used`,

  /** ZSET with TTL: the site's imports (`POST /v1/imports`) by start time (ms). */
  imports: (siteId: string) => `${site(siteId)}:imports`,
  /** HASH with TTL: one import: its format, status, heartbeat and report (`import/jobs.ts`). */
  importJob: (siteId: string, importId: string) => `${site(siteId)}:import:${importId}`,

  /** HASH: webhook endpoint id → the endpoint's JSON (url, events, signing secret, enabled). */
  webhooks: (siteId: string) => `${site(siteId)}:wh`,
  /** HASH: webhook endpoint id → its consecutive failed attempts (gone after a success). */
  webhookFailures: (siteId: string) => `${site(siteId)}:wh:f`,
  /** LIST: an endpoint's deliveries waiting for one page (`_`: the site's own events), oldest first, JSON jobs, capped. */
  webhookQueue: (siteId: string, endpointId: string, orderKey: string) =>
    `${site(siteId)}:wh:q:${endpointId}:${orderKey}`,
  /** LIST: an endpoint's last delivery attempts, newest first, JSON entries, capped. */
  webhookLog: (siteId: string, endpointId: string) => `${site(siteId)}:wh:log:${endpointId}`,

  /** STRING: `<siteId> <kind>` for the SHA-256 of an API key. Global: looked up before the site is known. */
  apiKey: (keyHash: string) => `tk:apikey:${keyHash}`,
  /** STRING: id of the standalone site. */
  standaloneSite: () => 'tk:standalone',
  /** STRING: generated JWT secret shared by all instances. */
  jwtSecret: () => 'tk:jwt',
  /** ZSET: outgoing e-mail jobs (JSON) scored by when they are due (ms): new, retrying or being sent. */
  mailQueue: () => 'tk:mail',
  /** ZSET: webhook queues with deliveries (`<siteId> <endpointId> <order key>`), scored by when the first is due or its lease ends (ms). */
  webhookSchedule: () => 'tk:wh',
  /** ZSET: sites whose data is to be deleted (site ids), scored by when that was last asked (ms). */
  purges: () => 'tk:purges',
  /** STRING with TTL: the token of the worker deleting a site's data now; other workers leave the site alone meanwhile. */
  purgeLock: (siteId: string) => `tk:purging:${siteId}`,
  /** STRING: the layout version of everything else in this Redis (`LAYOUT_VERSION`). */
  layout: () => 'tk:layout',
} as const;

export const PAGE_INDEXES = ['new', 'top', 'hot', 'con'] as const;
export type PageIndex = (typeof PAGE_INDEXES)[number];

export const channels = {
  /** Page events, relayed to WebSocket subscribers of the page. */
  page: (siteId: string, pageId: string) => page(siteId, pageId),
  /** Per-user events (notifications). */
  user: (siteId: string, userId: string) => user(siteId, userId),
} as const;
