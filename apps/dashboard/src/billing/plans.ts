import { PLANS, type PlanId, type SitePlan, sitePlan, ThreadKitError } from '@threadkit/core';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { owners, siteOwners, sites, subscriptions } from '../db/schema';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

/** After a failed payment the paid limits hold this long, then Free's (unless a payment goes through). */
export const GRACE_MS = 7 * 86_400_000;

/**
 * The plan a subscription gives now: its paid plan while Stripe says it is
 * live, and for `GRACE_MS` after a payment failed; Free otherwise, and without one.
 */
export function planOf(subscription: SubscriptionRow | null | undefined, now: number): PlanId {
  if (!subscription || subscription.plan === 'free') return 'free';
  const plan = subscription.plan as PlanId;
  switch (subscription.status) {
    case 'active':
    case 'trialing':
      return plan;
    case 'past_due': {
      const since = subscription.pastDueSince?.getTime() ?? now;
      return now - since < GRACE_MS ? plan : 'free';
    }
    default:
      return 'free';
  }
}

/** When a past-due subscription falls back to Free, or null when it is not past due. */
export function graceEndsAt(subscription: SubscriptionRow | null | undefined): Date | null {
  if (subscription?.status !== 'past_due' || !subscription.pastDueSince) return null;
  return new Date(subscription.pastDueSince.getTime() + GRACE_MS);
}

/**
 * Plans as the dashboard applies them: an owner's, a site's (its paying
 * owner's: whoever has owned it longest), and how many sites each pays for.
 */
export class OwnerPlans {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async subscription(ownerId: string): Promise<SubscriptionRow | null> {
    const [row] = await this.db.select().from(subscriptions).where(eq(subscriptions.ownerId, ownerId));
    return row ?? null;
  }

  async emailOf(ownerId: string): Promise<string | null> {
    const [row] = await this.db.select({ email: owners.email }).from(owners).where(eq(owners.id, ownerId));
    return row?.email ?? null;
  }

  async ofOwner(ownerId: string): Promise<PlanId> {
    return planOf(await this.subscription(ownerId), this.now());
  }

  /** The owner who pays for a site: the one who has owned it longest. */
  async payerOf(siteId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ ownerId: siteOwners.ownerId })
      .from(siteOwners)
      .where(eq(siteOwners.siteId, siteId))
      .orderBy(asc(siteOwners.addedAt), asc(siteOwners.ownerId))
      .limit(1);
    return row?.ownerId ?? null;
  }

  /** What a comment server enforces for the site. */
  async ofSite(site: { id: string }): Promise<SitePlan> {
    const payer = await this.payerOf(site.id);
    if (!payer) return sitePlan('free', false);
    const { plan, sites: paid } = await this.openSites(payer);
    return sitePlan(plan, paid.find((s) => s.id === site.id)?.open ?? false);
  }

  /**
   * The sites an owner pays for, and whether each takes comments: those the
   * owner keeps open (`writable`), the oldest first, as many as the plan has room for.
   */
  async openSites(ownerId: string): Promise<{
    plan: PlanId;
    limit: number;
    sites: { id: string; name: string; writable: boolean; open: boolean }[];
  }> {
    const plan = await this.ofOwner(ownerId);
    const limit = PLANS[plan].limits.sites;
    let room = limit;
    const paid = await this.sitesPaidBy(ownerId);
    return { plan, limit, sites: paid.map((site) => ({ ...site, open: site.writable && room-- > 0 })) };
  }

  /** The sites an owner pays for, oldest first: those they have owned longest of all their owners. */
  async sitesPaidBy(ownerId: string): Promise<{ id: string; name: string; writable: boolean }[]> {
    const first = this.db
      .select({ siteId: siteOwners.siteId, addedAt: sql`min(${siteOwners.addedAt})`.as('first_added') })
      .from(siteOwners)
      .groupBy(siteOwners.siteId)
      .as('first');
    return this.db
      .select({ id: sites.id, name: sites.name, writable: sites.writable })
      .from(siteOwners)
      .innerJoin(sites, eq(sites.id, siteOwners.siteId))
      .innerJoin(first, and(eq(first.siteId, siteOwners.siteId), eq(first.addedAt, siteOwners.addedAt)))
      .where(eq(siteOwners.ownerId, ownerId))
      .orderBy(asc(sites.createdAt), asc(sites.id));
  }

  /** Refuses a new site past the owner's plan. */
  async mayAddSite(ownerId: string): Promise<{ allowed: boolean; limit: number; plan: PlanId }> {
    const { plan, limit, sites: paid } = await this.openSites(ownerId);
    return { allowed: paid.length < limit, limit, plan };
  }

  /** Gives an owner a plan without Stripe (an operator's grant; tests). */
  async grant(ownerId: string, plan: PlanId): Promise<void> {
    const values = { plan, status: plan === 'free' ? 'none' : 'active', updatedAt: new Date(this.now()) };
    await this.db
      .insert(subscriptions)
      .values({ ownerId, ...values })
      .onConflictDoUpdate({ target: subscriptions.ownerId, set: values });
  }

  /** Opens every site an owner pays for again once their plan has room for all of them. */
  async fitSites(ownerId: string): Promise<void> {
    const { limit, sites: paid } = await this.openSites(ownerId);
    if (paid.length > limit) return;
    const closed = paid.filter((s) => !s.writable).map((s) => s.id);
    if (closed.length > 0)
      await this.db.update(sites).set({ writable: true }).where(inArray(sites.id, closed));
  }

  /** The owner's choice of which sites keep taking comments, within their plan. */
  async chooseWritable(ownerId: string, siteIds: string[]): Promise<void> {
    const { limit, sites: paid } = await this.openSites(ownerId);
    const chosen = new Set(siteIds.filter((id) => paid.some((s) => s.id === id)));
    if (chosen.size > limit)
      throw new ThreadKitError(
        'plan_limit',
        `Your plan keeps ${limit} ${limit === 1 ? 'site' : 'sites'} open.`,
      );
    await this.db.transaction(async (tx) => {
      await tx
        .update(sites)
        .set({ writable: false })
        .where(
          inArray(
            sites.id,
            paid.map((s) => s.id),
          ),
        );
      if (chosen.size > 0)
        await tx
          .update(sites)
          .set({ writable: true })
          .where(inArray(sites.id, [...chosen]));
    });
  }
}
