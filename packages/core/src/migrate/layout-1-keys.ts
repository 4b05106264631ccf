import { idFromUuid, isUuid } from '../ids.js';
import { keys, sitePrefix } from '../keys.js';

/**
 * Where each key of layout 1 goes in layout 2. Layout 1 named every key
 * `site:{<site UUID>}:…` (or `threadkit:…`, `apikey:…` outside a site) and
 * wrote every id as a UUID; layout 2's ids are the same values, shorter
 * (`ids.ts`). Only what is an id is rewritten, in key names and values alike:
 * a page's URL or a commenter's e-mail that happens to hold a UUID stays as
 * it was.
 */

/** An id of layout 1 as layout 2 writes it; anything else as it is. */
export const convertId = (value: string): string => (isUuid(value) ? idFromUuid(value) : value);

/** A JSON text whose string values that are ids are rewritten (audit entries, pending sign-ins, code payloads). */
export function convertJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), (_key, value: unknown) =>
      typeof value === 'string' ? convertId(value) : value,
    );
  } catch {
    return convertId(text);
  }
}

const keep = (value: string) => value;

/** How the parts of a copied key change. */
export interface Conversion {
  /** A string's value (`binary`: copied byte for byte). */
  value?: ((value: string) => string) | 'binary';
  /** Members of a set, sorted set or list. */
  member?: (member: string) => string;
  /** A set becomes a sorted set, its members all scored 0. */
  setToZset?: boolean;
  /** A sorted set becomes a list of its members in score order. */
  zsetToList?: boolean;
  /** A set becomes a list of its members. */
  setToList?: boolean;
  /** A hash's fields and values. */
  field?: (field: string) => string;
  fieldValue?: (value: string) => string;
}

/** What becomes of one layout-1 key. */
export type KeyFate =
  /** Copied under the new name, converted as said, with its expiry. */
  | { kind: 'copy'; to: string; convert: Conversion }
  /** A comment: converted, and placed with its page once every comment is moved. */
  | { kind: 'comment'; siteId: string; commentId: string }
  /** A page's live event log: replaced by an empty one that makes every earlier position a reset. */
  | { kind: 'events'; siteId: string; pageId: string }
  /** A user's notifications: converted together with their records and unread counter. */
  | { kind: 'notifications'; siteId: string; userId: string }
  /** Read with another key (a user's notification records and unread counter): left for it. */
  | { kind: 'companion' }
  /** Derived data that layout 2 builds anew (indexes, replies) or does without (presence). */
  | { kind: 'drop' }
  /** Not ThreadKit's. */
  | { kind: 'foreign' };

const ids: Conversion = { member: convertId };
const idHash: Conversion = { field: convertId, fieldValue: keep };
const votes: Conversion = { field: convertId, fieldValue: (v) => (v === 'up' ? 'u' : 'd') };
const idString: Conversion = { value: convertId };
const jsonString: Conversion = { value: convertJson };
const plain: Conversion = {};

type Rule = [RegExp, (m: string[], site: string) => KeyFate];

const copy =
  (rest: (m: string[]) => string, convert: Conversion) =>
  (m: string[], site: string): KeyFate => ({ kind: 'copy', to: `${sitePrefix(site)}${rest(m)}`, convert });

/** The rest of a site key (after `site:{S}`), and its fate; ids in the name are converted group by group. */
const RULES: Rule[] = [
  [/^$/, copy(() => '', { field: keep, fieldValue: convertId })],
  [/^:epoch$/, copy(() => ':epoch', plain)],
  [/^:shadowbanned$/, copy(() => ':sb', ids)],
  [/^:banned$/, copy(() => ':ban', ids)],
  [/^:role:(admin|moderator)$/, copy((m) => `:role:${m[1]}`, ids)],
  [/^:modqueue$/, copy(() => ':mq', ids)],
  [/^:reports$/, copy(() => ':rq', ids)],
  [/^:audit$/, copy(() => ':audit', { member: convertJson })],
  [/^:page:([^:]+)$/, copy((m) => `:p:${convertId(m[1]!)}`, plain)],
  [/^:page:[^:]+:comments:(new|top|hot|controversial)$/, () => ({ kind: 'drop' })],
  [/^:page:([^:]+):pinned$/, copy((m) => `:p:${convertId(m[1]!)}:pin`, ids)],
  [/^:page:([^:]+):commenters$/, copy((m) => `:p:${convertId(m[1]!)}:who`, { ...ids, setToList: true })],
  [/^:page:([^:]+):events$/, (m, site) => ({ kind: 'events', siteId: site, pageId: convertId(m[1]!) })],
  [/^:page:[^:]+:presence(:users|:profiles|:anon)?$/, () => ({ kind: 'drop' })],
  [/^:comment:([^:]+)$/, (m, site) => ({ kind: 'comment', siteId: site, commentId: convertId(m[1]!) })],
  [/^:comment:[^:]+:replies$/, () => ({ kind: 'drop' })],
  [/^:comment:([^:]+):upvote_notified$/, copy((m) => `:c:${convertId(m[1]!)}:un`, plain)],
  [/^:comment:([^:]+):reports$/, copy((m) => `:c:${convertId(m[1]!)}:rp`, idHash)],
  [/^:user:([^:]+)$/, copy((m) => `:u:${convertId(m[1]!)}`, plain)],
  [/^:user:([^:]+):votes$/, copy((m) => `:u:${convertId(m[1]!)}:v`, votes)],
  [/^:user:([^:]+):comments$/, copy((m) => `:u:${convertId(m[1]!)}:c`, { ...ids, zsetToList: true })],
  [/^:user:([^:]+):reports$/, copy((m) => `:u:${convertId(m[1]!)}:rp`, ids)],
  [
    /^:user:([^:]+):notifications$/,
    (m, site) => ({ kind: 'notifications', siteId: site, userId: convertId(m[1]!) }),
  ],
  [/^:user:[^:]+:(unread|notifications:records)$/, () => ({ kind: 'companion' })],
  [/^:user:([^:]+):sessions$/, copy((m) => `:u:${convertId(m[1]!)}:s`, { ...ids, setToZset: true })],
  [/^:user:([^:]+):identities$/, copy((m) => `:u:${convertId(m[1]!)}:idp`, plain)],
  [/^:session:([^:]+)$/, copy((m) => `:s:${convertId(m[1]!)}`, { field: keep, fieldValue: convertId })],
  [/^:session:([^:]+):used$/, copy((m) => `:s:${convertId(m[1]!)}:used`, plain)],
  [/^:login:(.+)$/, copy((m) => `:login:${m[1]}`, idString)],
  [/^:identity:(.+)$/, copy((m) => `:idp:${m[1]}`, idString)],
  [/^:oauth:(.+)$/, copy((m) => `:oauth:${m[1]}`, jsonString)],
  [/^:oauth-link:(.+)$/, copy((m) => `:oauth-link:${m[1]}`, jsonString)],
  [/^:code:(.+)$/, copy((m) => `:code:${m[1]}`, { field: keep, fieldValue: convertJson })],
  [/^:limit:(.+)$/, copy((m) => `:limit:${m[1]}`, plain)],
  // Budgets of signed-in users are named `user:<id>`.
  [/^:rl:([^:]+):user:([^:]+)$/, copy((m) => `:rl:${m[1]}:user:${convertId(m[2]!)}`, plain)],
  [/^:rl:(.+)$/, copy((m) => `:rl:${m[1]}`, plain)],
  [/^:usage:([^:]+):visitors$/, copy((m) => `:usage:${m[1]}:visitors`, { value: 'binary' })],
  [/^:usage:([^:]+)$/, copy((m) => `:usage:${m[1]}`, plain)],
];

const SITE_KEY = /^site:\{([0-9a-f-]{36})\}(.*)$/i;

export function fateOf(key: string): KeyFate {
  if (key === 'threadkit:standalone_site')
    return { kind: 'copy', to: keys.standaloneSite(), convert: idString };
  if (key === 'threadkit:jwt_secret') return { kind: 'copy', to: keys.jwtSecret(), convert: plain };
  // Mail jobs hold rendered e-mails: their links name comments by UUID, which the widget still finds.
  if (key === 'threadkit:mail:queue') return { kind: 'copy', to: keys.mailQueue(), convert: plain };
  if (key.startsWith('apikey:')) {
    return {
      kind: 'copy',
      to: keys.apiKey(key.slice('apikey:'.length)),
      convert: { value: (v) => v.split(' ').map(convertId).join(' ') },
    };
  }
  const site = SITE_KEY.exec(key);
  if (!site) return { kind: 'foreign' };
  const siteId = convertId(site[1]!);
  for (const [pattern, fate] of RULES) {
    const match = pattern.exec(site[2]!);
    if (match) return fate([...match], siteId);
  }
  return { kind: 'foreign' };
}
