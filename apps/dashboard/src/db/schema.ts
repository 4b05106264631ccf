import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * The dashboard's own data. Site owners are a user pool of their own, apart
 * from the commenters the comment server keeps in Redis. Every secret (a
 * session token, a one-time code, a secret API key) is stored only as its
 * SHA-256 digest: a database dump signs nobody in.
 */

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const owners = pgTable(
  'owners',
  {
    id: text('id').primaryKey(),
    /** Lower-cased; unique among owners. */
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    /** argon2id; null for an owner who only signs in with a provider. */
    passwordHash: text('password_hash'),
    emailVerifiedAt: at('email_verified_at'),
    /** Wrong passwords in a row, and until when sign-in is refused once there were too many. */
    failedSignIns: integer('failed_sign_ins').notNull().default(0),
    lockedUntil: at('locked_until'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('owners_email_key').on(t.email),
    check('owners_email_lower', sql`${t.email} = lower(${t.email})`),
  ],
);

/** A Google or GitHub account that signs an owner in. */
export const ownerIdentities = pgTable(
  'owner_identities',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => owners.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index('owner_identities_owner').on(t.ownerId)],
);

export const ownerSessions = pgTable(
  'owner_sessions',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => owners.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    /** Sent with every form of the session and checked on every mutation. */
    csrfToken: text('csrf_token').notNull(),
    userAgent: text('user_agent').notNull().default(''),
    ip: text('ip').notNull().default(''),
    createdAt: at('created_at').notNull().defaultNow(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [
    uniqueIndex('owner_sessions_token_key').on(t.tokenHash),
    index('owner_sessions_owner').on(t.ownerId),
  ],
);

/** What a one-time code or link proves. */
export const TOKEN_PURPOSES = ['verify_email', 'reset_password', 'change_email'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

export const ownerTokens = pgTable(
  'owner_tokens',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => owners.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: TOKEN_PURPOSES }).notNull(),
    tokenHash: text('token_hash').notNull(),
    /** The address the token proves (for an e-mail change: the new one). */
    email: text('email').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
  },
  (t) => [
    uniqueIndex('owner_tokens_token_key').on(t.tokenHash),
    index('owner_tokens_owner').on(t.ownerId),
    check('owner_tokens_purpose', sql.raw(`purpose in (${TOKEN_PURPOSES.map((p) => `'${p}'`).join(', ')})`)),
  ],
);

/**
 * A site: a tenant of the comment servers. Its id is the site id the comment
 * servers key its Redis data by. Its settings are the comment server's site
 * settings, validated by the same declaration.
 */
export const sites = pgTable(
  'sites',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    domain: text('domain').notNull(),
    allowedOrigins: jsonb('allowed_origins').$type<string[]>().notNull().default([]),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    publicKey: text('public_key').notNull(),
    secretKeyHash: text('secret_key_hash').notNull(),
    keysRotatedAt: at('keys_rotated_at').notNull().defaultNow(),
    /** When a widget of the site was first and last seen by a comment server (the installation check). */
    firstSeenAt: at('first_seen_at'),
    lastSeenAt: at('last_seen_at'),
    /**
     * Whether the site takes new comments: false for the sites its paying owner
     * left out when their plan came to allow fewer sites than they have (all stay readable).
     */
    writable: boolean('writable').notNull().default(true),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sites_public_key_key').on(t.publicKey),
    uniqueIndex('sites_secret_key_hash_key').on(t.secretKeyHash),
  ],
);

/** The owners of a site, all equal; a site always keeps at least one. */
export const siteOwners = pgTable(
  'site_owners',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id')
      .notNull()
      .references(() => owners.id, { onDelete: 'cascade' }),
    addedAt: at('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.ownerId] }), index('site_owners_owner').on(t.ownerId)],
);

/** An invitation to co-own a site, accepted by signing in as the invited address. */
export const siteInvites = pgTable(
  'site_invites',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').references(() => owners.id, { onDelete: 'set null' }),
    createdAt: at('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
    acceptedAt: at('accepted_at'),
  },
  (t) => [uniqueIndex('site_invites_token_key').on(t.tokenHash), index('site_invites_site').on(t.siteId)],
);

/**
 * Attempts per client address and action (sign-in, sign-up, password reset
 * e-mails) in fixed windows: one row per address and action, counted in the
 * same statement that reads it, so every dashboard instance shares the count.
 */
export const addressAttempts = pgTable(
  'address_attempts',
  {
    /** `<action> <address>`. */
    key: text('key').primaryKey(),
    windowStart: at('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [index('address_attempts_window').on(t.windowStart)],
);

/**
 * An owner's subscription, as Stripe last told it: the plan the owner pays for
 * and its state. An owner without a row (or billing off) is on Free. The plan
 * of a site is that of its paying owner: the one who has owned it longest.
 */
export const subscriptions = pgTable(
  'subscriptions',
  {
    ownerId: text('owner_id')
      .primaryKey()
      .references(() => owners.id, { onDelete: 'cascade' }),
    /** Null for a plan given without Stripe (by an operator). */
    stripeCustomerId: text('stripe_customer_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    /** The paid plan ('pro' or 'business') the subscription is for; 'free' once none is live. */
    plan: text('plan').notNull().default('free'),
    /** 'month' or 'year'. */
    interval: text('interval'),
    /** Stripe's subscription status (`active`, `past_due`, `canceled`, …); 'none' before the first. */
    status: text('status').notNull().default('none'),
    currentPeriodEnd: at('current_period_end'),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    /** When a payment first failed (the start of the grace period); null while payments go through. */
    pastDueSince: at('past_due_since'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('subscriptions_customer_key').on(t.stripeCustomerId),
    check('subscriptions_plan', sql`plan in ('free', 'pro', 'business')`),
  ],
);

/** Stripe events already handled, by id: a replayed webhook changes nothing. */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  receivedAt: at('received_at').notNull().defaultNow(),
});

/**
 * A site's usage, copied from the comment servers' Redis by the usage sync:
 * one row per site, period (a UTC day `YYYY-MM-DD` or month `YYYY-MM`) and
 * metric (`comments`, `pageviews`, `unique_visitors`, `held:akismet`, …),
 * holding the period's total as Redis had it. Rows are written whole, never
 * added to, so a sync run twice gives the same rows.
 */
export const usageRecords = pgTable(
  'usage_records',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    period: text('period').notNull(),
    metric: text('metric').notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.period, t.metric] })],
);

/** The pages read and commented most in a month, per site, as the sync last saw them. */
export const usagePages = pgTable(
  'usage_pages',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    month: text('month').notNull(),
    pageId: text('page_id').notNull(),
    url: text('url'),
    views: bigint('views', { mode: 'number' }).notNull().default(0),
    comments: bigint('comments', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.month, t.pageId] })],
);

/** Where the usage sync stands for each site: every day up to `syncedThrough` is copied. */
export const usageSync = pgTable('usage_sync', {
  siteId: text('site_id')
    .primaryKey()
    .references(() => sites.id, { onDelete: 'cascade' }),
  /** The last day copied (`YYYY-MM-DD`); the next run copies it again, and what follows. */
  syncedThrough: text('synced_through').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** The e-mails sent to a site's paying owner as a month's usage nears (80) or reaches (100) a plan limit. */
export const usageAlerts = pgTable(
  'usage_alerts',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    month: text('month').notNull(),
    metric: text('metric').notNull(),
    threshold: integer('threshold').notNull(),
    sentAt: at('sent_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.month, t.metric, t.threshold] })],
);
