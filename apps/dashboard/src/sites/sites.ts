import {
  type ApiKeyKind,
  apiKeyKind,
  checkOriginPattern,
  conflict,
  DEFAULT_SETTINGS,
  forbidden,
  generateApiKey,
  hashApiKey,
  invalid,
  isSettingName,
  newId,
  notFound,
  PAID_SPAM_SETTINGS,
  PLANS,
  parseSetting,
  type SitePlan,
  type SiteSettings,
  ThreadKitError,
  withDefaults,
} from '@threadkit/core';
import { and, asc, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { OwnerPlans } from '../billing/plans';
import type { Database } from '../db/database';
import { owners, siteOwners, sites } from '../db/schema';
import type { Owner } from '../owners/sessions';

export type SiteRow = typeof sites.$inferSelect;

/** A site as its owners see it; never a secret key (it is shown once, when made). */
export interface SiteView {
  id: string;
  name: string;
  domain: string;
  allowedOrigins: string[];
  settings: SiteSettings;
  publicKey: string;
  keysRotatedAt: Date;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  createdAt: Date;
}

/** What a comment server learns about a site (the internal API's answer). */
export interface SiteInfo {
  siteId: string;
  name: string;
  domain: string;
  allowedOrigins: string[];
  settings: SiteSettings;
  /** What the site's plan allows, enforced by the comment server. */
  plan: SitePlan;
}

/** What a comment server learns about a key: its site, and which of the site's keys it is. */
export interface KeyVerdict extends SiteInfo {
  kind: ApiKeyKind;
}

const MAX_NAME = 100;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$/;

/**
 * Sites and their owners. Every method takes the owner who asks and finds the
 * site among theirs only: another owner's site answers exactly as a site that
 * does not exist.
 */
export class Sites {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
    private readonly plans = new OwnerPlans(db, now),
  ) {}

  /** Creates a site owned by `owner`; its secret key is in the answer and nowhere else. */
  async create(
    owner: Owner,
    input: { name: string; domain: string; allowedOrigins?: string[] },
  ): Promise<{ site: SiteView; secretKey: string }> {
    if (!owner.emailVerifiedAt) throw forbidden('Confirm your e-mail address before adding a site.');
    const room = await this.plans.mayAddSite(owner.id);
    if (!room.allowed)
      throw new ThreadKitError(
        'plan_limit',
        `The ${PLANS[room.plan].name} plan has room for ${room.limit} ${room.limit === 1 ? 'site' : 'sites'}; upgrade to add more.`,
      );
    const name = siteName(input.name);
    const domain = siteDomain(input.domain);
    const allowedOrigins = origins(input.allowedOrigins ?? []);
    const publicKey = generateApiKey('public');
    const secretKey = generateApiKey('secret');
    const now = new Date(this.now());
    const row = await this.db.transaction(async (tx) => {
      const [site] = await tx
        .insert(sites)
        .values({
          id: newId(),
          name,
          domain,
          allowedOrigins,
          settings: {},
          publicKey,
          secretKeyHash: hashApiKey(secretKey),
          keysRotatedAt: now,
          createdAt: now,
        })
        .returning();
      await tx.insert(siteOwners).values({ siteId: site!.id, ownerId: owner.id, addedAt: now });
      return site!;
    });
    return { site: view(row), secretKey };
  }

  /** The owner's sites, oldest first. */
  async list(ownerId: string): Promise<SiteView[]> {
    const rows = await this.db
      .select({ site: sites })
      .from(siteOwners)
      .innerJoin(sites, eq(sites.id, siteOwners.siteId))
      .where(eq(siteOwners.ownerId, ownerId))
      .orderBy(asc(sites.createdAt), asc(sites.id));
    return rows.map((row) => view(row.site));
  }

  async get(ownerId: string, siteId: string): Promise<SiteView> {
    return view(await this.owned(ownerId, siteId));
  }

  /** Renames the site and changes its domain and allowed origins. */
  async describe(
    ownerId: string,
    siteId: string,
    input: { name: string; domain: string; allowedOrigins: string[] },
  ): Promise<SiteView> {
    await this.owned(ownerId, siteId);
    const [row] = await this.db
      .update(sites)
      .set({
        name: siteName(input.name),
        domain: siteDomain(input.domain),
        allowedOrigins: origins(input.allowedOrigins),
      })
      .where(eq(sites.id, siteId))
      .returning();
    return view(row!);
  }

  /**
   * Changes settings given in their text form (what a form posts), checked by
   * the comment server's own rules. Every bad field is reported at once, each
   * under its name; nothing is saved unless all are good.
   */
  async changeSettings(ownerId: string, siteId: string, changes: Record<string, string>): Promise<SiteView> {
    const row = await this.owned(ownerId, siteId);
    const next: Record<string, unknown> = { ...row.settings };
    const problems: { field: string; message: string }[] = [];
    for (const [name, text] of Object.entries(changes)) {
      if (!isSettingName(name) || name === 'allowed_origins') {
        problems.push({ field: name, message: `${name} is not a setting` });
        continue;
      }
      try {
        const value = parseSetting(name, text);
        if (value === true && (PAID_SPAM_SETTINGS as readonly string[]).includes(name)) {
          const plan = await this.plans.ofSite(row);
          if (!plan.spamServices) {
            problems.push({
              field: name,
              message: `${PLANS[plan.id].name} sites cannot use it: it comes with Pro and Business.`,
            });
            continue;
          }
        }
        // Stored only where it differs: a default changed later reaches every site that kept it.
        if (JSON.stringify(value) === JSON.stringify(DEFAULT_SETTINGS[name])) delete next[name];
        else next[name] = value;
      } catch (error) {
        if (!(error instanceof ThreadKitError)) throw error;
        problems.push({ field: name, message: error.message });
      }
    }
    if (problems.length > 0) throw new SettingsProblems(problems);
    const [updated] = await this.db
      .update(sites)
      .set({ settings: next })
      .where(eq(sites.id, siteId))
      .returning();
    return view(updated!);
  }

  /** New public and secret keys; the old ones stop working. The secret is in the answer only. */
  async rotateKeys(ownerId: string, siteId: string): Promise<{ site: SiteView; secretKey: string }> {
    await this.owned(ownerId, siteId);
    const secretKey = generateApiKey('secret');
    const [row] = await this.db
      .update(sites)
      .set({
        publicKey: generateApiKey('public'),
        secretKeyHash: hashApiKey(secretKey),
        keysRotatedAt: new Date(this.now()),
      })
      .where(eq(sites.id, siteId))
      .returning();
    return { site: view(row!), secretKey };
  }

  /**
   * Deletes the site, given its name typed again. `removeData` runs first,
   * while the site's keys still work (the comment server's purge): when it
   * fails, the site stays.
   */
  async delete(
    ownerId: string,
    siteId: string,
    confirmation: string,
    removeData: (site: SiteView) => Promise<void> = async () => {},
  ): Promise<SiteView> {
    const row = await this.owned(ownerId, siteId);
    if (confirmation.trim() !== row.name)
      throw invalid('confirmation', 'Type the name of the site to delete it.');
    await removeData(view(row));
    await this.db.delete(sites).where(eq(sites.id, siteId));
    return view(row);
  }

  /** The owners of a site, the first first (only its owners may ask). */
  async owners(ownerId: string, siteId: string): Promise<{ id: string; email: string; name: string }[]> {
    await this.owned(ownerId, siteId);
    return this.db
      .select({ id: owners.id, email: owners.email, name: owners.name })
      .from(siteOwners)
      .innerJoin(owners, eq(owners.id, siteOwners.ownerId))
      .where(eq(siteOwners.siteId, siteId))
      .orderBy(asc(siteOwners.addedAt), asc(owners.id));
  }

  /** A site's owners and co-owners with a verified address: whom the comment servers' reports about it are told. */
  async ownerAddresses(siteId: string): Promise<{ email: string; name: string }[]> {
    return this.db
      .select({ email: owners.email, name: owners.name })
      .from(siteOwners)
      .innerJoin(owners, eq(owners.id, siteOwners.ownerId))
      .where(and(eq(siteOwners.siteId, siteId), isNotNull(owners.emailVerifiedAt)))
      .orderBy(asc(siteOwners.addedAt), asc(owners.id));
  }

  /** Removes a co-owner (or oneself); a site always keeps one owner. */
  async removeOwner(ownerId: string, siteId: string, removed: string): Promise<void> {
    await this.owned(ownerId, siteId);
    await this.db.transaction(async (tx) => {
      // Rows of the site's owners, locked, so two owners removing each other cannot both succeed.
      const current = await tx
        .select({ ownerId: siteOwners.ownerId })
        .from(siteOwners)
        .where(eq(siteOwners.siteId, siteId))
        .for('update');
      if (!current.some((o) => o.ownerId === removed)) throw notFound('This person does not own the site.');
      if (current.length === 1) throw conflict('A site keeps at least one owner: delete the site instead.');
      await tx.delete(siteOwners).where(and(eq(siteOwners.siteId, siteId), eq(siteOwners.ownerId, removed)));
    });
  }

  /** Adds an owner (an accepted invitation); already an owner is fine. */
  async addOwner(siteId: string, ownerId: string, db: Pick<Database, 'insert'> = this.db): Promise<void> {
    await db
      .insert(siteOwners)
      .values({ siteId, ownerId, addedAt: new Date(this.now()) })
      .onConflictDoNothing();
  }

  /** The sites only this owner owns: deleting the owner deletes them. */
  async ownedAlone(ownerId: string): Promise<string[]> {
    const mine = this.db
      .select({ siteId: siteOwners.siteId })
      .from(siteOwners)
      .where(eq(siteOwners.ownerId, ownerId));
    const rows = await this.db
      .select({ siteId: siteOwners.siteId, owners: count() })
      .from(siteOwners)
      .where(inArray(siteOwners.siteId, mine))
      .groupBy(siteOwners.siteId);
    return rows.filter((row) => row.owners === 1).map((row) => row.siteId);
  }

  /** What a comment server needs to know about a key, or null when it is no site's current key. */
  async verifyKey(key: string): Promise<KeyVerdict | null> {
    const kind = apiKeyKind(key);
    if (!kind) return null;
    const [row] = await this.db
      .select()
      .from(sites)
      .where(kind === 'public' ? eq(sites.publicKey, key) : eq(sites.secretKeyHash, hashApiKey(key)));
    return row ? { ...info(row), plan: await this.plans.ofSite(row), kind } : null;
  }

  /** What a comment server needs to know about a site it serves, or null when it is gone. */
  async info(siteId: string): Promise<SiteInfo | null> {
    const [row] = await this.db.select().from(sites).where(eq(sites.id, siteId));
    return row ? { ...info(row), plan: await this.plans.ofSite(row) } : null;
  }

  /** Records that a comment server saw the site's widget (the installation check). */
  async seen(siteId: string, at: Date): Promise<void> {
    await this.db
      .update(sites)
      .set({ firstSeenAt: sql`coalesce(${sites.firstSeenAt}, ${at})`, lastSeenAt: at })
      .where(eq(sites.id, siteId));
  }

  private async owned(ownerId: string, siteId: string): Promise<SiteRow> {
    const [row] = await this.db
      .select({ site: sites })
      .from(siteOwners)
      .innerJoin(sites, eq(sites.id, siteOwners.siteId))
      .where(and(eq(siteOwners.ownerId, ownerId), eq(siteOwners.siteId, siteId)));
    if (!row) throw notFound('Site not found.');
    return row.site;
  }
}

/** Settings that failed their checks, each under its field. */
export class SettingsProblems extends ThreadKitError {
  constructor(readonly problems: { field: string; message: string }[]) {
    super('invalid_request', problems.map((p) => p.message).join('; '), { field: problems[0]?.field ?? '' });
  }
}

const info = (row: SiteRow): Omit<SiteInfo, 'plan'> => ({
  siteId: row.id,
  name: row.name,
  domain: row.domain,
  allowedOrigins: row.allowedOrigins,
  settings: settingsOf(row),
});

const settingsOf = (row: SiteRow): SiteSettings =>
  withDefaults({ ...(row.settings as Partial<SiteSettings>), allowed_origins: row.allowedOrigins });

function view(row: SiteRow): SiteView {
  return {
    id: row.id,
    name: row.name,
    domain: row.domain,
    allowedOrigins: row.allowedOrigins,
    settings: withDefaults({
      ...(row.settings as Partial<SiteSettings>),
      allowed_origins: row.allowedOrigins,
    }),
    publicKey: row.publicKey,
    keysRotatedAt: row.keysRotatedAt,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    createdAt: row.createdAt,
  };
}

function siteName(raw: string): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (!name) throw invalid('name', 'Give the site a name.');
  if (name.length > MAX_NAME) throw invalid('name', `A site's name has at most ${MAX_NAME} characters.`);
  return name;
}

function siteDomain(raw: string): string {
  const domain = raw
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (!DOMAIN.test(domain)) throw invalid('domain', 'The domain is a host name such as example.com.');
  return domain;
}

function origins(list: string[]): string[] {
  const cleaned = [...new Set(list.map((origin) => origin.trim()).filter(Boolean))];
  for (const origin of cleaned) {
    const problem = checkOriginPattern(origin);
    if (problem) throw invalid('allowed_origins', problem);
  }
  return cleaned;
}
