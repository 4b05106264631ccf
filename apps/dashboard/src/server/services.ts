import path from 'node:path';
import {
  createRedis,
  type Email,
  LogMailer,
  type Mailer,
  OwnerTokens,
  type RedisConfig,
  SmtpMailer,
} from '@threadkit/core';
import { Billing } from '../billing/billing';
import { OwnerPlans } from '../billing/plans';
import { type Database, openDatabase } from '../db/database';
import { internalApi } from '../internal/api';
import { CommentServer } from '../moderation/comment-server';
import { OwnerAccounts } from '../owners/accounts';
import { AddressLimits } from '../owners/address-limits';
import { Invitations } from '../sites/invitations';
import { Sites, type SiteView } from '../sites/sites';
import { WebhookNotices } from '../sites/webhook-notices';
import { Analytics } from '../usage/analytics';
import { UsageSync, type UsageSyncOptions } from '../usage/usage-sync';
import { type DashboardEnv, dashboardEnv } from './env';

export interface Services {
  env: DashboardEnv;
  plans: OwnerPlans;
  /** Null when billing is off (no `STRIPE_SECRET_KEY`). */
  billing: Billing | null;
  analytics: Analytics;
  /** Null without the comment servers' Redis (`REDIS_URL`). */
  usageSync: UsageSync | null;
  accounts: OwnerAccounts;
  addressLimits: AddressLimits;
  sites: Sites;
  invitations: Invitations;
  /** Null when no INTERNAL_API_SECRET is set: the internal API then refuses every call. */
  internal: ((request: Request) => Promise<Response>) | null;
  /** The comment server, called as a site's owner; null without INTERNAL_API_SECRET, whose key signs the calls. */
  commentServer: CommentServer | null;
  /**
   * Has the comment server purge a site's data, as the site is deleted.
   * Without the internal secret no comment server can have served it: nothing to do.
   */
  removeSiteData: (ownerId: string, site: SiteView) => Promise<void>;
}

const logMail = (message: string, email: Email) =>
  console.info(JSON.stringify({ level: 'info', msg: message, text: email.text }));

async function build(): Promise<Services> {
  const env = dashboardEnv();
  // The migrations ship beside the app; the server runs from the app's directory.
  const { db } = await openDatabase({
    url: env.databaseUrl,
    dataDir: env.dataDir,
    migrationsFolder: path.join(/*turbopackIgnore: true*/ process.cwd(), 'drizzle'),
  });
  const mailer: Mailer = env.smtpUrl ? new SmtpMailer(env.smtpUrl, env.mailFrom) : new LogMailer(logMail);
  const link = (pathAndQuery: string) => `${env.publicUrl}${pathAndQuery}`;
  const plans = new OwnerPlans(db);
  const sites = new Sites(db, Date.now, plans);
  const onMailError = (error: unknown) => console.error('dashboard e-mail failed', error);
  const usageSync = env.redis ? startUsageSync(env.redis, { db, plans, mailer, link, onMailError }) : null;
  const commentServer = env.internalSecret
    ? new CommentServer({ apiUrl: env.apiUrl, tokens: new OwnerTokens(env.internalSecret) })
    : null;
  return {
    env,
    plans,
    analytics: new Analytics(db),
    usageSync,
    billing: env.billing ? new Billing({ db, config: env.billing, plans, mailer, link, onMailError }) : null,
    accounts: new OwnerAccounts({ db, mailer, link, onMailError }),
    addressLimits: new AddressLimits(db),
    sites,
    invitations: new Invitations({ db, sites, mailer, link }),
    internal: env.internalSecret
      ? internalApi({
          secret: env.internalSecret,
          sites,
          publicUrl: env.publicUrl,
          notices: new WebhookNotices({ sites, mailer, link, onMailError }),
        })
      : null,
    commentServer,
    removeSiteData: async (ownerId, site) => {
      await commentServer?.asOwner(ownerId, site).purgeData(site.id);
    },
  };
}

/** How often every site's usage is copied from Redis. */
const USAGE_SYNC_EVERY_MS = 3600_000;

/** The usage sync, run once soon after start and then hourly; a failed run is logged and tried at the next. */
function startUsageSync(
  redisConfig: RedisConfig,
  options: Omit<UsageSyncOptions, 'redis'> & { db: Database },
) {
  const redis = createRedis(redisConfig);
  redis.on('error', (error) => console.error('usage sync: Redis', error.message));
  const sync = new UsageSync({ ...options, redis });
  const run = () => void sync.syncAll().catch((error: unknown) => console.error('usage sync failed', error));
  setTimeout(run, 10_000).unref();
  setInterval(run, USAGE_SYNC_EVERY_MS).unref();
  return sync;
}

// One set per server process, kept across Next's module reloads in development.
const holder = globalThis as typeof globalThis & { threadkitDashboard?: Promise<Services> };

/** The dashboard's services, opened (and the database migrated) on first use. */
export function services(): Promise<Services> {
  holder.threadkitDashboard ??= build().catch((error: unknown) => {
    holder.threadkitDashboard = undefined;
    throw error;
  });
  return holder.threadkitDashboard;
}
