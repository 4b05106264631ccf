/**
 * Every Redis key and channel name ThreadKit uses, built in one place.
 * `docs/redis.md` documents each of them.
 *
 * All of a site's keys carry the site id as a Redis Cluster hash tag (`{…}`),
 * so every key one atomic script touches lives in the same slot. Lua scripts
 * receive the site prefix and derive the keys they need from it with the same
 * layout (see `store/lua/keys.lua`); keep the two in step.
 */

export const sitePrefix = (siteId: string) => `site:{${siteId}}`;

export const keys = {
  /** HASH: site record (name, domain, keys, settings). */
  site: (siteId: string) => sitePrefix(siteId),
  /** STRING: site-wide visibility epoch, bumped when a change affects many pages (shadow-ban, ban). */
  siteEpoch: (siteId: string) => `${sitePrefix(siteId)}:epoch`,
  /** SET: shadow-banned user ids. */
  shadowbanned: (siteId: string) => `${sitePrefix(siteId)}:shadowbanned`,
  /** ZSET: comment ids with open reports, scored by the latest report time (ms). */
  reports: (siteId: string) => `${sitePrefix(siteId)}:reports`,

  /** ZSET: comments waiting for a moderator (pending, or published under post-moderation), by creation (ms). */
  modqueue: (siteId: string) => `${sitePrefix(siteId)}:modqueue`,
  /** SET: banned user ids. */
  banned: (siteId: string) => `${sitePrefix(siteId)}:banned`,
  /** SET: ids of the site's admins or moderators. */
  roleMembers: (siteId: string, role: 'admin' | 'moderator') => `${sitePrefix(siteId)}:role:${role}`,
  /** LIST: moderation audit log, newest first, JSON entries, capped. */
  audit: (siteId: string) => `${sitePrefix(siteId)}:audit`,

  /** STRING: one comment as JSON. */
  comment: (siteId: string, commentId: string) => `${sitePrefix(siteId)}:comment:${commentId}`,
  /** ZSET: direct replies of a comment, scored by creation time (ms). */
  replies: (siteId: string, commentId: string) => `${sitePrefix(siteId)}:comment:${commentId}:replies`,
  /** HASH: reporter user id → report JSON. */
  commentReports: (siteId: string, commentId: string) => `${sitePrefix(siteId)}:comment:${commentId}:reports`,

  /** HASH: page record (url, key, counts, page views, version). */
  page: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}`,
  /** ZSET: root comments of a page in one sort order. */
  pageIndex: (siteId: string, pageId: string, index: PageIndex) =>
    `${sitePrefix(siteId)}:page:${pageId}:comments:${index}`,
  /** ZSET: pinned root comments, scored by pin time (ms). */
  pinned: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}:pinned`,
  /**
   * STREAM: the page's recent live events (field `e`: the JSON envelope), the
   * last few minutes and at most a few hundred, for WebSocket clients that resync.
   */
  pageEvents: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}:events`,
  /** ZSET: who is on the page: `<instance>|<user id>` (signed in) or `<instance>|` (that instance's anonymous readers), scored by expiry (ms). */
  presence: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}:presence`,
  /** HASH: user id → how many instances hold that user on the page; its length is the number of people signed in there. */
  presenceUsers: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}:presence:users`,
  /** HASH: user id → the present user's public profile JSON (`id`, `name`, `avatar`). */
  presenceProfiles: (siteId: string, pageId: string) =>
    `${sitePrefix(siteId)}:page:${pageId}:presence:profiles`,
  /** HASH: instance id → how many anonymous readers that instance has on the page. */
  presenceAnonymous: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}:presence:anon`,
  /** SET: ids of the users who commented on the page, whose names `@mentions` are matched against. */
  pageCommenters: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}:commenters`,
  /** STRING with TTL: set when the comment's author was told of an upvote; one upvote notification per window. */
  upvoteNotified: (siteId: string, commentId: string) =>
    `${sitePrefix(siteId)}:comment:${commentId}:upvote_notified`,

  /** HASH: a commenter of this site (name, avatar, karma, role…). */
  user: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}`,
  /** HASH: comment id → `up` | `down`, the user's votes on this site. */
  userVotes: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}:votes`,
  /** ZSET: the user's comments by creation time (ms), for bans, exports and account deletion. */
  userComments: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}:comments`,
  /** ZSET: comments the user reported, by report time (ms): withdrawn when the account is erased. */
  userReports: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}:reports`,
  /** STRING: unread notifications of the user (the seed's notification badge counter). */
  userUnread: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}:unread`,
  /** ZSET: the user's notification ids by creation time (ms), the newest 200 kept. */
  userNotifications: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}:notifications`,
  /** HASH: notification id → notification JSON (type, comment, page, from, created, read). */
  userNotificationRecords: (siteId: string, userId: string) =>
    `${sitePrefix(siteId)}:user:${userId}:notifications:records`,
  /** SET: session ids of a user, for revoking them all. */
  userSessions: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}:sessions`,
  /** STRING: user id of the account signing in with this e-mail (lower-cased) or phone (E.164). */
  login: (siteId: string, kind: 'email' | 'phone', value: string) =>
    `${sitePrefix(siteId)}:login:${kind}:${value}`,
  /** STRING: user id of the account a sign-in provider's identity (its `sub` / user id) signs in to. */
  identity: (siteId: string, provider: string, subject: string) =>
    `${sitePrefix(siteId)}:identity:${provider}:${subject}`,
  /** SET: `<provider>:<subject>` of every provider identity linked to the user, for export and erasure. */
  userIdentities: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}:identities`,
  /** STRING with TTL: a pending OAuth sign-in (JSON: provider, origin, PKCE verifier), deleted on first use. */
  oauthState: (siteId: string, state: string) => `${sitePrefix(siteId)}:oauth:${state}`,
  /** STRING with TTL: a guest's pending hand-over to a provider sign-in (JSON: provider, user, session), by the link's SHA-256; deleted on first use. */
  oauthLink: (siteId: string, linkHash: string) => `${sitePrefix(siteId)}:oauth-link:${linkHash}`,
  /** HASH with TTL: a one-time code (hash, attempts) for a purpose and a target. */
  code: (siteId: string, purpose: string, target: string) =>
    `${sitePrefix(siteId)}:code:${purpose}:${target}`,
  /** STRING with TTL: a counter for a limit window (codes sent, failed logins). */
  limit: (siteId: string, name: string, subject: string) => `${sitePrefix(siteId)}:limit:${name}:${subject}`,
  /** HASH with TTL: a sliding-window rate-limit counter (`w` window index, `c` this window's count, `p` the previous one's). */
  rateLimit: (siteId: string, bucket: string, subject: string) =>
    `${sitePrefix(siteId)}:rl:${bucket}:${subject}`,
  /** HASH: the site's usage in a UTC month (`YYYY-MM`): comments, pageviews, api_requests, ws_connections. */
  usage: (siteId: string, month: string) => `${sitePrefix(siteId)}:usage:${month}`,
  /** HyperLogLog: the month's unique visitors (keyed digests of user ids, or of address and user agent). */
  usageVisitors: (siteId: string, month: string) => `${sitePrefix(siteId)}:usage:${month}:visitors`,
  /** HASH with TTL: one sign-in session. */
  session: (siteId: string, sessionId: string) => `${sitePrefix(siteId)}:session:${sessionId}`,
  /** SET with TTL: hashes of the session's refresh tokens already rotated; presenting one again revokes it. */
  sessionUsedRefresh: (siteId: string, sessionId: string) =>
    `${sitePrefix(siteId)}:session:${sessionId}:used`,

  /** STRING: `<siteId> <kind>` for the SHA-256 of an API key. Global: looked up before the site is known. */
  apiKey: (keyHash: string) => `apikey:${keyHash}`,
  /** STRING: id of the standalone site. */
  standaloneSite: () => 'threadkit:standalone_site',
  /** STRING: generated JWT secret shared by all instances. */
  jwtSecret: () => 'threadkit:jwt_secret',
  /** ZSET: outgoing e-mail jobs (JSON) scored by when they are due (ms): new, retrying or being sent. */
  mailQueue: () => 'threadkit:mail:queue',
} as const;

export const PAGE_INDEXES = ['new', 'top', 'hot', 'controversial'] as const;
export type PageIndex = (typeof PAGE_INDEXES)[number];

export const channels = {
  /** Page events, relayed to WebSocket subscribers of the page. */
  page: (siteId: string, pageId: string) => `${sitePrefix(siteId)}:page:${pageId}`,
  /** Per-user events (notifications). */
  user: (siteId: string, userId: string) => `${sitePrefix(siteId)}:user:${userId}`,
} as const;
