/** Domain types shared by the store, the services and the HTTP layer. */

export type CommentStatus = 'approved' | 'pending' | 'rejected' | 'deleted';
export type VoteDirection = 'up' | 'down';
export type SortOrder = 'new' | 'old' | 'top' | 'hot' | 'controversial';
export type ModerationMode = 'none' | 'pre' | 'post';
export type Role = 'owner' | 'admin' | 'moderator' | 'user';
export const SORT_ORDERS: readonly SortOrder[] = ['new', 'old', 'top', 'hot', 'controversial'];
export const REPORT_REASONS = ['spam', 'harassment', 'hate_speech', 'misinformation', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** A comment as stored in Redis (one JSON string; short field names keep memory low). */
export interface StoredComment {
  /** id */
  i: string;
  /** page id */
  pg: string;
  /** parent id, '' for a root */
  pid: string;
  /** root id, '' for a root (set by the store) */
  rt: string;
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
}

export interface Site {
  id: string;
  name: string;
  domain: string | null;
  settings: SiteSettings;
  created_at: number;
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

/** How a commenter signs in: by e-mail address or by phone number (E.164). */
export type LoginKind = 'email' | 'phone';

/** Who is making a request, resolved from the credentials. */
export interface Viewer {
  siteId: string;
  /** null for an anonymous reader or the owner's secret key. */
  userId: string | null;
  role: Role | 'anonymous';
  sessionId: string | null;
}

export const isModerator = (viewer: Viewer): boolean =>
  viewer.role === 'owner' || viewer.role === 'admin' || viewer.role === 'moderator';
