/** Domain types shared by the store, the services and the HTTP layer. */

import type { SitePlan } from './plans.js';

export type CommentStatus = 'approved' | 'pending' | 'rejected' | 'deleted';
export type VoteDirection = 'up' | 'down';
export type SortOrder = 'new' | 'old' | 'top' | 'hot' | 'controversial';
export type ModerationMode = 'none' | 'pre' | 'post';
export type Role = 'owner' | 'admin' | 'moderator' | 'user';
export const SORT_ORDERS: readonly SortOrder[] = ['new', 'old', 'top', 'hot', 'controversial'];
export const REPORT_REASONS = ['spam', 'harassment', 'hate_speech', 'misinformation', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** A comment as the store reads it (`store/comment-record.ts`). */
export interface StoredComment {
  /** id */
  i: string;
  /** page id */
  pg: string;
  /** parent id, '' for a root */
  pid: string;
  /** author id */
  a: string;
  /** Markdown source */
  t: string;
  /** sanitised HTML */
  h: string;
  u: number;
  d: number;
  /** created, Unix seconds */
  c: number;
  /** created, Unix ms (index score) */
  cm: number;
  /** modified, Unix seconds (0: never) */
  m: number;
  s: CommentStatus;
  /** edited: 0 | 1 */
  e: number;
  /** reply count: direct replies still stored */
  rc: number;
  /** hold reason: why the spam and abuse checks held the comment for review (absent when not held by them) */
  hr?: string;
  /** In the public thread every reader walks; false: hidden (pending, rejected, by a shadow-banned author, or a placeholder of hidden replies). */
  listed: boolean;
}

/** The compact comment of the wire contract (`api.md`). */
export interface CommentView {
  i: string;
  a: string | null;
  n: string;
  p: string | null;
  k: number;
  t: string;
  h: string;
  u: number;
  d: number;
  c: number;
  m: number | null;
  r: CommentView[];
  s: CommentStatus;
  pid: string | null;
  e: boolean;
  v?: VoteDirection | null;
  /** The author's role badge, when they moderate the site. */
  ro?: 'moderator' | 'admin';
  /** The author is a guest (a name, no account). */
  g?: true;
  /** How many replies the reader can load under the comment; `r` holds the first of them. */
  rc: number;
  /** Where the replies beyond `r` start: the `cursor` of `GET /v1/comments/:id/replies` ('' for the first page); absent when `r` holds them all. */
  rx?: string;
}

export interface SiteSettings {
  moderation: ModerationMode;
  allow_guests: boolean;
  allowed_origins: string[];
  /** Let `localhost`, `127.0.0.1` and `[::1]` use the public key (development). */
  allow_localhost: boolean;
  max_comment_length: number;
  /** Sign-in methods offered besides guests: `password`, `email_code`, and OAuth provider names. */
  auth_methods: string[];
  /** Accounts must have verified their e-mail or phone before they can post. */
  require_verified: boolean;
  // Spam and abuse (docs/moderation.md).
  /** Words and phrases matched as whole words, case-insensitively. */
  word_filter: string[];
  /** What a `word_filter` match does: refuse the comment, or hold it for review. */
  word_filter_action: 'block' | 'hold';
  /** Links a comment may have before it is held (0: any link holds it). */
  max_links: number;
  /** Guests' fastest plausible time from opening the form to sending it (0: no check). */
  min_submit_seconds: number;
  akismet_enabled: boolean;
  /** A secret: never shown by a route, the CLI or a log. */
  akismet_key: string;
  /** An OpenAI-compatible `/v1/moderations` endpoint. */
  moderation_api_enabled: boolean;
  moderation_api_url: string;
  /** A secret: never shown by a route, the CLI or a log. */
  moderation_api_key: string;
  moderation_api_model: string;
  /** What a spam or flagged verdict of Akismet or the moderation API does (Akismet's "discard" always refuses). */
  flagged_action: 'hold' | 'reject';
  /** Rate-limit budgets this site sets for itself; the ones it leaves out come from the server's `RATE_LIMITS`. */
  rate_limits: Partial<RateLimits>;
  /** Whether webhook deliveries may reach private and loopback addresses (within the operator's `OUTBOUND_ALLOW_PRIVATE` in SaaS mode). */
  webhooks_allow_private: boolean;
}

/** Requests per minute allowed in each rate-limit budget (docs/api.md, Rate limits); 0: no limit. */
export interface RateLimits {
  /** GET requests, per client address (per user with a token). */
  reads: number;
  /** Other requests, per client address (per user with a token). */
  writes: number;
  /** POSTs to /v1/auth/…, per client address. */
  auth: number;
  /** Every request made with one API key, whoever makes it. */
  key: number;
}

export interface Site {
  id: string;
  name: string;
  domain: string | null;
  settings: SiteSettings;
  created_at: number;
  /** What the site's SaaS plan allows (sent by the dashboard with its key); standalone sites have none. */
  plan?: SitePlan | null;
}

export interface User {
  id: string;
  name: string;
  avatar_url: string | null;
  karma: number;
  role: Exclude<Role, 'owner'>;
  guest: boolean;
  created_at: number;
  email: string | null;
  phone: string | null;
  email_verified: boolean;
  phone_verified: boolean;
  /** E-mail for replies and mentions (opt-in). */
  email_notifications: boolean;
}

/** A new commenter: a fresh id, no karma, the `user` role, nothing verified, unless given. */
export function newUser(init: Partial<User> & { id: string; name: string }): User {
  return {
    avatar_url: null,
    karma: 0,
    role: 'user',
    guest: false,
    created_at: Math.floor(Date.now() / 1000),
    email: null,
    phone: null,
    email_verified: false,
    phone_verified: false,
    email_notifications: false,
    ...init,
  };
}

/** How a commenter signs in: by e-mail address or by phone number (E.164). */
export type LoginKind = 'email' | 'phone';

/** Who is making a request, resolved from the credentials. */
export interface Viewer {
  siteId: string;
  /** null for an anonymous reader or the owner's secret key. */
  userId: string | null;
  role: Role | 'anonymous';
  sessionId: string | null;
  /** SaaS mode: the dashboard's id of the owner whose owner token this is (the audit log's `owner:<id>`). */
  ownerId?: string;
}

export const isModerator = (viewer: Viewer): boolean =>
  viewer.role === 'owner' || viewer.role === 'admin' || viewer.role === 'moderator';

/**
 * The seed's hierarchy: owner > admin > moderator > user > anonymous. Nobody acts
 * on someone of their own rank or above; the scripts read the target's rank
 * (`RANK` in prelude.lua has the same numbers) and compare it with the caller's.
 */
export const RANK: Record<Role | 'anonymous', number> = {
  anonymous: 0,
  user: 1,
  moderator: 2,
  admin: 3,
  owner: 4,
};
