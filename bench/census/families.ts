/**
 * Key families: which keys the census adds up together, by name. Each pattern
 * is anchored and matched against the whole key; the first family that
 * matches wins, and the report lists families in this order. A key no family
 * matches is counted under "other" and shown, so a new key never hides.
 *
 * The table covers every key of docs/redis.md. A new layout adds its own
 * families here, beside (or instead of) these; names follow the key's shape
 * with the ids left out.
 */

export interface Family {
  name: string;
  pattern: RegExp;
  description: string;
}

/** `site:{<site id>}`, the hash-tagged prefix of every key of a site. */
const SITE = String.raw`site:\{[^}]+\}`;
/** One id segment (UUIDs, page ids, hashes): never contains a colon. */
const ID = '[^:]+';

const site = (rest: string) => new RegExp(`^${SITE}${rest}$`);
const global = (rest: string) => new RegExp(`^${rest}$`);

export const FAMILIES: readonly Family[] = [
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
