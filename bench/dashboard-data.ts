/**
 * The SaaS dashboard's own data, written from the bench with the dashboard's
 * own modules (apps/dashboard/src): its database opened and migrated as the
 * app opens it, an owner, sites made by `Sites.create`, a session started by
 * `OwnerSessions.start`. The bench and the running dashboard share the same
 * Postgres.
 *
 * The dashboard's sources are written for its bundler (imports without file
 * extensions), so the bench's type check (NodeNext) cannot follow them: they are
 * loaded at run time by path (tsx resolves them), and the few members used here
 * are typed by hand below.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LogMailer } from '../packages/core/src/delivery/mailer.js';
import { newId } from '../packages/core/src/ids.js';
import { createRedis, waitForRedis } from '../packages/core/src/store/redis.js';

export interface DashboardOwner {
  id: string;
  email: string;
  emailVerifiedAt: Date | null;
}

export interface DashboardSite {
  id: string;
  name: string;
  domain: string;
  publicKey: string;
}

/** What the bench asks of the dashboard's database. */
export interface DashboardData {
  /** An owner with a verified address, inserted into `owners` as the dashboard's tests do. */
  createOwner(input: { email: string; name: string }): Promise<DashboardOwner>;
  /** A site owned by `owner` (`Sites.create`); its secret key is only in this answer. */
  createSite(
    owner: DashboardOwner,
    input: { name: string; domain: string; allowedOrigins: string[] },
  ): Promise<{ site: DashboardSite; secretKey: string }>;
  /** Puts an owner on a plan without Stripe (`OwnerPlans.grant`). */
  grantPlan(ownerId: string, plan: 'free' | 'pro' | 'business'): Promise<void>;
  /** Makes `ownerId` a co-owner of the site, as an accepted invitation does. */
  addOwner(siteId: string, ownerId: string): Promise<void>;
  /** Runs the dashboard's usage sync (`UsageSync.syncSite`) for a site, reading the comment servers' Redis. */
  syncUsage(siteId: string, redisUrl: string): Promise<void>;
  /** A dashboard session (`OwnerSessions.start`): the value of its `tk_dashboard` cookie. */
  startSession(ownerId: string): Promise<string>;
  close(): Promise<void>;
}

/** The dashboard's session cookie (apps/dashboard/src/server/auth.ts). */
export const SESSION_COOKIE = 'tk_dashboard';

// ---------------------------------------------------------------- the dashboard's modules, as used here

interface Insertable {
  values(row: Record<string, unknown>): { returning(): Promise<unknown[]> };
}

interface DatabaseModule {
  openDatabase(options: {
    url?: string;
    dataDir: string;
    migrationsFolder: string;
  }): Promise<{ db: { insert(table: unknown): Insertable }; close(): Promise<void> }>;
}

interface SchemaModule {
  owners: unknown;
  siteOwners: unknown;
}

interface UsageSyncModule {
  UsageSync: new (options: {
    db: unknown;
    redis: unknown;
    plans: unknown;
    mailer: unknown;
    link: (path: string) => string;
  }) => { syncSite(siteId: string): Promise<void> };
}

interface PlansModule {
  OwnerPlans: new (db: unknown) => { grant(ownerId: string, plan: string): Promise<void> };
}

interface SitesModule {
  Sites: new (
    db: unknown,
  ) => {
    create(
      owner: DashboardOwner,
      input: { name: string; domain: string; allowedOrigins?: string[] },
    ): Promise<{ site: DashboardSite; secretKey: string }>;
  };
}

interface SessionsModule {
  OwnerSessions: new (
    db: unknown,
  ) => {
    start(ownerId: string, client: { ip: string; userAgent: string }): Promise<{ token: string }>;
  };
}

/** Opens (and migrates) the dashboard's Postgres at `databaseUrl` with the app's own code. */
export async function openDashboardData(root: string, databaseUrl: string): Promise<DashboardData> {
  const app = path.join(root, 'apps/dashboard');
  // A specifier the type checker does not resolve: see the top comment.
  const load = <T>(file: string) => import(pathToFileURL(path.join(app, 'src', file)).href) as Promise<T>;
  const [
    { openDatabase },
    { owners, siteOwners },
    { Sites },
    { OwnerSessions },
    { OwnerPlans },
    { UsageSync },
  ] = await Promise.all([
    load<DatabaseModule>('db/database.ts'),
    load<SchemaModule>('db/schema.ts'),
    load<SitesModule>('sites/sites.ts'),
    load<SessionsModule>('owners/sessions.ts'),
    load<PlansModule>('billing/plans.ts'),
    load<UsageSyncModule>('usage/usage-sync.ts'),
  ]);
  const handle = await openDatabase({
    url: databaseUrl,
    // Only used for PGlite, never with a Postgres URL.
    dataDir: path.join(app, 'data'),
    migrationsFolder: path.join(app, 'drizzle'),
  });
  const sites = new Sites(handle.db);
  const sessions = new OwnerSessions(handle.db);
  const plans = new OwnerPlans(handle.db);
  return {
    async createOwner({ email, name }) {
      const [row] = (await handle.db
        .insert(owners)
        .values({ id: newId(), email, name, emailVerifiedAt: new Date() })
        .returning()) as DashboardOwner[];
      if (!row) throw new Error('inserting the owner returned no row');
      return row;
    },
    createSite: (owner, input) => sites.create(owner, input),
    grantPlan: (ownerId, plan) => plans.grant(ownerId, plan),
    async syncUsage(siteId, redisUrl) {
      const redis = createRedis({ url: redisUrl, clusterNodes: [], sentinels: [], sentinelName: null });
      try {
        await waitForRedis(redis);
        const mailer = new LogMailer(() => {});
        await new UsageSync({ db: handle.db, redis, plans, mailer, link: (p) => p }).syncSite(siteId);
      } finally {
        redis.disconnect();
      }
    },
    async addOwner(siteId, ownerId) {
      await handle.db.insert(siteOwners).values({ siteId, ownerId }).returning();
    },
    startSession: async (ownerId) =>
      (await sessions.start(ownerId, { ip: '127.0.0.1', userAgent: 'threadkit-bench' })).token,
    close: () => handle.close(),
  };
}
