/**
 * Key families: which keys the census adds up together, by name. Each pattern
 * is anchored and matched against the whole key; the first family that
 * matches wins, and the report lists families in this order. A key no family
 * matches is counted under "other" and shown, so a new key never hides.
 *
 * The table covers every key of docs/redis.md, layout 2 first; layout 1's
 * families follow, so a Redis of either layout (say, before and after
 * `threadkit migrate`) is measured by the same table. Names follow the key's
 * shape with the ids left out; layout 1's are its longer names.
 */

export interface Family {
  name: string;
  pattern: RegExp;
  description: string;
}

/** `site:{<site id>}`, the hash-tagged prefix of every key of a site in layout 1. */
const SITE = String.raw`site:\{[^}]+\}`;
/** `tk:{<site id>}`, the same in layout 2. */
const TK = String.raw`tk:\{[^}]+\}`;
/** One id segment (UUIDs, page ids, hashes): never contains a colon. */
const ID = '[^:]+';

const site = (rest: string) => new RegExp(`^${SITE}${rest}$`);
const tk = (rest: string) => new RegExp(`^${TK}${rest}$`);
const global = (rest: string) => new RegExp(`^${rest}$`);

/** The family whose keys are one comment each: what "per comment" divides by. */
export const COMMENT_FAMILIES = ['c', 'comment'];

/** Layout 2 (docs/redis.md). */
const LAYOUT_2: Family[] = [
  { name: 'c', pattern: tk(`:c:${ID}`), description: 'one comment, a MessagePack record (string)' },
  { name: 'c:r', pattern: tk(`:c:${ID}:r`), description: 'listed replies by creation time (zset)' },
  { name: 'c:rp', pattern: tk(`:c:${ID}:rp`), description: 'reporter id → report JSON (hash)' },
  {
    name: 'c:un',
    pattern: tk(`:c:${ID}:un`),
    description: 'upvote notification sent in the last hour (string, TTL 1 h)',
  },
  { name: 'p', pattern: tk(`:p:${ID}`), description: 'page record: url, count, views, version (hash)' },
  ...(['new', 'top', 'hot', 'con'] as const).map((index) => ({
    name: `p:${index}`,
    pattern: tk(`:p:${ID}:${index}`),
    description: `listed roots by ${index === 'new' ? 'creation time' : `${index} score`} (zset)`,
  })),
  { name: 'p:pin', pattern: tk(`:p:${ID}:pin`), description: 'pinned roots by pin time (zset)' },
  { name: 'p:h', pattern: tk(`:p:${ID}:h`), description: 'hidden comments of the page (zset)' },
  {
    name: 'p:h:U',
    pattern: tk(`:p:${ID}:h:${ID}`),
    description: "one author's hidden comments on the page (zset)",
  },
  {
    name: 'p:who',
    pattern: tk(`:p:${ID}:who`),
    description: "ids of the page's commenters, for @mentions (list)",
  },
  {
    name: 'p:ev',
    pattern: tk(`:p:${ID}:ev`),
    description: 'recent live events for resync (stream, TTL 1 h)',
  },
  {
    name: 'p:pr',
    pattern: tk(`:p:${ID}:pr(?::u|:p|:a)?`),
    description: 'who is on the page, per gateway instance (zset + 3 hashes, TTL)',
  },
  { name: 'u', pattern: tk(`:u:${ID}`), description: 'a commenter: name, avatar, karma, role… (hash)' },
  { name: 'u:v', pattern: tk(`:u:${ID}:v`), description: 'comment id → u/d (hash)' },
  { name: 'u:c', pattern: tk(`:u:${ID}:c`), description: "the user's comments, oldest first (list)" },
  { name: 'u:rp', pattern: tk(`:u:${ID}:rp`), description: 'comments the user reported (zset)' },
  {
    name: 'u:n',
    pattern: tk(`:u:${ID}:n`),
    description: 'notifications, one compact member each (zset, TTL)',
  },
  { name: 'u:nu', pattern: tk(`:u:${ID}:nu`), description: 'unread notification count (string, TTL)' },
  { name: 'u:s', pattern: tk(`:u:${ID}:s`), description: "the user's session ids (zset)" },
  { name: 'u:idp', pattern: tk(`:u:${ID}:idp`), description: 'linked sign-in provider identities (set)' },
  { name: 's', pattern: tk(`:s:${ID}`), description: 'a sign-in session (hash, TTL)' },
  { name: 's:used', pattern: tk(`:s:${ID}:used`), description: 'rotated refresh-token hashes (set, TTL)' },
  {
    name: 'tk login',
    pattern: tk(':login:(?:email|phone):.+'),
    description: 'e-mail or phone → account id (string)',
  },
  { name: 'idp', pattern: tk(`:idp:${ID}:.+`), description: 'provider identity → account id (string)' },
  {
    name: 'tk oauth',
    pattern: tk(`:oauth(?:-link)?:${ID}`),
    description: 'started provider sign-ins and guest links (string, TTL)',
  },
  { name: 'tk code', pattern: tk(':code:.+'), description: 'a one-time code (hash, TTL)' },
  { name: 'tk limit', pattern: tk(':limit:.+'), description: 'a sign-in or code limit window (string, TTL)' },
  { name: 'tk site', pattern: tk(''), description: 'the site: name, settings, key hashes (hash)' },
  {
    name: 'tk site sets',
    pattern: tk(':(?:epoch|sb|ban|mq|rq|audit|role:admin|role:moderator)'),
    description: 'epoch, bans, roles, review and report queues, audit log',
  },
  { name: 'tk rate-limit', pattern: tk(':rl:.+'), description: 'a rate-limit counter (hash, TTL 2 min)' },
  {
    name: 'tk usage',
    pattern: tk(':usage:\\d{4}-\\d{2}(?:-\\d{2})?(?::visitors|:page_views|:page_comments)?'),
    description: 'usage, visitors and top pages of a month or a day (TTL 400 d)',
  },
  {
    name: 'tk global',
    pattern: global('tk:(?:apikey:[0-9a-f]+|standalone|jwt|mail|layout)'),
    description: 'API key digests, standalone site, JWT secret, mail queue, layout version',
  },
];

export const FAMILIES: readonly Family[] = [
  ...LAYOUT_2,
  // Comments.
  { name: 'comment', pattern: site(`:comment:${ID}`), description: 'one comment as JSON (string)' },
  {
    name: 'comment:replies',
    pattern: site(`:comment:${ID}:replies`),
    description: 'direct replies by creation time (zset)',
  },
  {
    name: 'comment:reports',
    pattern: site(`:comment:${ID}:reports`),
    description: 'reporter id → report JSON (hash)',
  },
  {
    name: 'comment:upvote_notified',
    pattern: site(`:comment:${ID}:upvote_notified`),
    description: 'upvote notification sent in the last hour (string, TTL 1 h)',
  },

  // Pages.
  {
    name: 'page',
    pattern: site(`:page:${ID}`),
    description: 'page record: url, count, views, version (hash)',
  },
  ...(['new', 'top', 'hot', 'controversial'] as const).map((index) => ({
    name: `page:comments:${index}`,
    pattern: site(`:page:${ID}:comments:${index}`),
    description: `root comments by ${index === 'new' ? 'creation time' : `${index} score`} (zset)`,
  })),
  {
    name: 'page:pinned',
    pattern: site(`:page:${ID}:pinned`),
    description: 'pinned roots by pin time (zset)',
  },
  {
    name: 'page:commenters',
    pattern: site(`:page:${ID}:commenters`),
    description: "ids of the page's commenters, for @mentions (set)",
  },
  {
    name: 'page:events',
    pattern: site(`:page:${ID}:events`),
    description: 'recent live events for resync (stream, TTL 1 h)',
  },
  {
    name: 'page:presence',
    pattern: site(`:page:${ID}:presence(?::users|:profiles|:anon)?`),
    description: 'who is on the page, per gateway instance (zset + 3 hashes, TTL)',
  },

  // Commenters.
  {
    name: 'user',
    pattern: site(`:user:${ID}`),
    description: 'a commenter: name, avatar, karma, role… (hash)',
  },
  { name: 'user:votes', pattern: site(`:user:${ID}:votes`), description: 'comment id → up/down (hash)' },
  {
    name: 'user:comments',
    pattern: site(`:user:${ID}:comments`),
    description: "the user's comments by creation time (zset)",
  },
  {
    name: 'user:reports',
    pattern: site(`:user:${ID}:reports`),
    description: 'comments the user reported (zset)',
  },
  {
    name: 'user:unread',
    pattern: site(`:user:${ID}:unread`),
    description: 'unread notification count (string)',
  },
  {
    name: 'user:notifications',
    pattern: site(`:user:${ID}:notifications`),
    description: 'notification ids by time, newest 200 (zset)',
  },
  {
    name: 'user:notifications:records',
    pattern: site(`:user:${ID}:notifications:records`),
    description: 'notification id → JSON (hash)',
  },
  {
    name: 'user:sessions',
    pattern: site(`:user:${ID}:sessions`),
    description: "the user's session ids (set)",
  },
  {
    name: 'user:identities',
    pattern: site(`:user:${ID}:identities`),
    description: 'linked sign-in provider identities (set)',
  },

  // Sign-in.
  { name: 'session', pattern: site(`:session:${ID}`), description: 'a sign-in session (hash, TTL 30 d)' },
  {
    name: 'session:used',
    pattern: site(`:session:${ID}:used`),
    description: 'rotated refresh-token hashes (set, TTL)',
  },
  {
    name: 'login',
    pattern: site(`:login:(?:email|phone):.+`),
    description: 'e-mail or phone → account id (string)',
  },
  {
    name: 'identity',
    pattern: site(`:identity:${ID}:.+`),
    description: 'provider identity → account id (string)',
  },
  {
    name: 'oauth',
    pattern: site(`:oauth:${ID}`),
    description: 'a started provider sign-in (string, TTL 10 min)',
  },
  {
    name: 'oauth-link',
    pattern: site(`:oauth-link:${ID}`),
    description: "a guest's link to a provider sign-in (string, TTL 10 min)",
  },
  { name: 'code', pattern: site(':code:.+'), description: 'a one-time code (hash, TTL 10 min)' },
  { name: 'limit', pattern: site(':limit:.+'), description: 'a sign-in or code limit window (string, TTL)' },

  // The site.
  { name: 'site', pattern: site(''), description: 'the site: name, settings, key hashes (hash)' },
  { name: 'site:epoch', pattern: site(':epoch'), description: 'visibility epoch (string)' },
  {
    name: 'site:roles',
    pattern: site(':role:(?:admin|moderator)'),
    description: 'admins and moderators (2 sets)',
  },
  {
    name: 'site:banned',
    pattern: site(':(?:banned|shadowbanned)'),
    description: 'banned and shadow-banned users (2 sets)',
  },
  { name: 'site:modqueue', pattern: site(':modqueue'), description: 'comments waiting for review (zset)' },
  {
    name: 'site:reports',
    pattern: site(':reports'),
    description: 'reported comments by latest report (zset)',
  },
  { name: 'site:audit', pattern: site(':audit'), description: 'moderation audit log, last 1 000 (list)' },
  {
    name: 'rate-limit',
    pattern: site(':rl:.+'),
    description: 'a rate-limit counter (hash, TTL 2 min)',
  },
  { name: 'usage', pattern: site(':usage:\\d{4}-\\d{2}'), description: 'usage of a month (hash, TTL 400 d)' },
  {
    name: 'usage:visitors',
    pattern: site(':usage:\\d{4}-\\d{2}:visitors'),
    description: "a month's unique visitors (HyperLogLog, TTL 400 d)",
  },
  {
    name: 'usage:pages',
    pattern: site(':usage:\\d{4}-\\d{2}:page_(?:views|comments)'),
    description: "a month's top pages by views and by comments (sorted sets, TTL 400 d)",
  },
  {
    name: 'usage:day',
    pattern: site(':usage:\\d{4}-\\d{2}-\\d{2}'),
    description: 'usage of a day (hash, TTL 400 d)',
  },
  {
    name: 'usage:day:visitors',
    pattern: site(':usage:\\d{4}-\\d{2}-\\d{2}:visitors'),
    description: "a day's unique visitors (HyperLogLog, TTL 400 d)",
  },

  // Outside any site.
  { name: 'apikey', pattern: global('apikey:[0-9a-f]+'), description: 'API key digest → site (string)' },
  {
    name: 'threadkit',
    pattern: global('threadkit:(?:standalone_site|jwt_secret)'),
    description: 'standalone site id, generated JWT secret (strings)',
  },
  { name: 'mail queue', pattern: global('threadkit:mail:queue'), description: 'outgoing e-mail jobs (zset)' },
];

export const OTHER = 'other';

/** The family of a key, or null for none. */
export function familyOf(key: string, families: readonly Family[] = FAMILIES): Family | null {
  for (const family of families) if (family.pattern.test(key)) return family;
  return null;
}
