import { type Email, type Mailer, type PlanId, ThreadKitError } from '@threadkit/core';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import type { Database } from '../db/database';
import { stripeEvents, subscriptions } from '../db/schema';
import { paymentFailedEmail } from '../owners/emails';
import type { Owner } from '../owners/sessions';
import { GRACE_MS, type OwnerPlans, type SubscriptionRow } from './plans';

export type PaidPlan = Exclude<PlanId, 'free'>;
export type BillingInterval = 'month' | 'year';

/** Stripe as the dashboard's environment sets it up; null: billing is off. */
export interface BillingConfig {
  secretKey: string;
  webhookSecret: string;
  /** Another Stripe API address (a local stand-in in the tests); unset: Stripe's own. */
  apiUrl: string | undefined;
  /** The Stripe price id of each paid plan and interval. */
  prices: Record<PaidPlan, Record<BillingInterval, string>>;
}

const PRICE_VARIABLES: Record<PaidPlan, Record<BillingInterval, string>> = {
  pro: { month: 'STRIPE_PRICE_PRO_MONTHLY', year: 'STRIPE_PRICE_PRO_YEARLY' },
  business: { month: 'STRIPE_PRICE_BUSINESS_MONTHLY', year: 'STRIPE_PRICE_BUSINESS_YEARLY' },
};

/** Billing's settings from the environment: off without `STRIPE_SECRET_KEY`, refused when half set. */
export function billingConfig(env: NodeJS.ProcessEnv): BillingConfig | null {
  const text = (name: string) => env[name]?.trim() || undefined;
  const secretKey = text('STRIPE_SECRET_KEY');
  if (!secretKey) return null;
  const missing: string[] = [];
  const need = (name: string) => {
    const value = text(name);
    if (!value) missing.push(name);
    return value ?? '';
  };
  const webhookSecret = need('STRIPE_WEBHOOK_SECRET');
  const prices = {
    pro: { month: need(PRICE_VARIABLES.pro.month), year: need(PRICE_VARIABLES.pro.year) },
    business: { month: need(PRICE_VARIABLES.business.month), year: need(PRICE_VARIABLES.business.year) },
  };
  if (missing.length > 0) throw new Error(`STRIPE_SECRET_KEY is set but not ${missing.join(', ')}`);
  return { secretKey, webhookSecret, apiUrl: text('STRIPE_API_URL'), prices };
}

/** The SDK, pointed at `apiUrl` when one is given. */
export function stripeClient(config: BillingConfig): Stripe {
  if (!config.apiUrl) return new Stripe(config.secretKey);
  const url = new URL(config.apiUrl);
  return new Stripe(config.secretKey, {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  });
}

/** Stripe's states in which a subscription is paid for (or still in its grace period). */
const LIVE = new Set(['active', 'trialing', 'past_due']);

/**
 * Subscriptions with Stripe: Checkout to subscribe, the Customer Portal for
 * the rest (card, plan changes, cancellation), and webhooks that keep the
 * `subscriptions` table as Stripe last told it. Each event is handled once
 * (its id is recorded in the same transaction), and every event is only a
 * cue to read the subscription from Stripe again: an event replayed, or
 * arriving after a later one, writes the subscription as it is now.
 */
export class Billing {
  private readonly stripe: Stripe;

  constructor(
    private readonly deps: {
      db: Database;
      config: BillingConfig;
      plans: OwnerPlans;
      mailer: Mailer;
      /** An absolute dashboard URL for a path. */
      link: (path: string) => string;
      onMailError?: (error: unknown) => void;
      now?: () => number;
    },
  ) {
    this.stripe = stripeClient(deps.config);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /**
   * Where to send the owner to pay for `plan`: a Checkout page for a new
   * subscription, or the Customer Portal when one is live (plan changes happen there).
   */
  async checkout(owner: Owner, plan: PaidPlan, interval: BillingInterval): Promise<string> {
    const current = await this.deps.plans.subscription(owner.id);
    if (current?.stripeSubscriptionId && LIVE.has(current.status)) return this.portalFor(current);
    const customer = current?.stripeCustomerId ?? (await this.newCustomer(owner));
    const session = await this.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      line_items: [{ price: this.deps.config.prices[plan][interval], quantity: 1 }],
      client_reference_id: owner.id,
      metadata: { owner_id: owner.id },
      subscription_data: { metadata: { owner_id: owner.id } },
      success_url: this.deps.link('/billing?checkout=done'),
      cancel_url: this.deps.link('/billing'),
    });
    if (!session.url) throw new ThreadKitError('unavailable', 'Stripe gave no checkout page; try again.');
    return session.url;
  }

  /** The Customer Portal for an owner who has been a customer. */
  async portal(owner: Owner): Promise<string> {
    return this.portalFor(await this.deps.plans.subscription(owner.id));
  }

  private async portalFor(current: SubscriptionRow | null): Promise<string> {
    if (!current?.stripeCustomerId) throw new ThreadKitError('not_found', 'You have no subscription yet.');
    const session = await this.stripe.billingPortal.sessions.create({
      customer: current.stripeCustomerId,
      return_url: this.deps.link('/billing'),
    });
    return session.url;
  }

  /**
   * A webhook delivery: its signature checked (else `400`), then handled once.
   * A failure answers `500` and records nothing, so Stripe delivers it again.
   */
  async receive(payload: string, signature: string | null): Promise<{ status: number; body: string }> {
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(payload, signature ?? '', this.deps.config.webhookSecret);
    } catch {
      return { status: 400, body: 'bad signature' };
    }
    const subscriptionId = subscriptionOf(event);
    const result = await this.deps.db.transaction(async (tx) => {
      const [fresh] = await tx
        .insert(stripeEvents)
        .values({ id: event.id, type: event.type, receivedAt: new Date(this.now()) })
        .onConflictDoNothing()
        .returning();
      if (!fresh) return null;
      return subscriptionId ? this.sync(tx, subscriptionId) : null;
    });
    if (result) {
      await this.deps.plans.fitSites(result.ownerId);
      if (result.becamePastDue) await this.tellPaymentFailed(result.ownerId, result.pastDueSince!);
    }
    return { status: 200, body: 'ok' };
  }

  /** Reads the subscription from Stripe and writes it as the owner's, unless another one of theirs is live. */
  private async sync(db: Database, subscriptionId: string) {
    const subscription = await this.stripe.subscriptions.retrieve(subscriptionId);
    const customerId =
      typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
    const ownerId = subscription.metadata.owner_id ?? (await this.ownerOfCustomer(db, customerId));
    if (!ownerId) return null;
    const [current] = await db.select().from(subscriptions).where(eq(subscriptions.ownerId, ownerId));
    const live = LIVE.has(subscription.status);
    // A late word about an old subscription does not undo the one the owner pays for now.
    if (current?.stripeSubscriptionId && current.stripeSubscriptionId !== subscription.id) {
      if (LIVE.has(current.status) && !live) return null;
    }
    const item = subscription.items.data[0];
    const priced = item ? this.planOfPrice(item.price.id) : null;
    const now = new Date(this.now());
    // The grace period runs from the first failure, however many events tell of it.
    const wasPastDue = current?.stripeSubscriptionId === subscription.id ? current.pastDueSince : null;
    const pastDueSince = subscription.status === 'past_due' ? (wasPastDue ?? now) : null;
    const periodEnd = item?.current_period_end;
    const values = {
      stripeCustomerId: customerId,
      stripeSubscriptionId: subscription.id,
      plan: priced?.plan ?? 'free',
      interval: priced?.interval ?? null,
      status: subscription.status,
      currentPeriodEnd: periodEnd ? new Date(periodEnd * 1000) : null,
      cancelAtPeriodEnd: subscription.cancel_at_period_end,
      pastDueSince,
      updatedAt: now,
    };
    await db
      .insert(subscriptions)
      .values({ ownerId, ...values })
      .onConflictDoUpdate({ target: subscriptions.ownerId, set: values });
    return { ownerId, pastDueSince, becamePastDue: pastDueSince !== null && wasPastDue === null };
  }

  planOfPrice(priceId: string): { plan: PaidPlan; interval: BillingInterval } | null {
    for (const plan of ['pro', 'business'] as const)
      for (const interval of ['month', 'year'] as const)
        if (this.deps.config.prices[plan][interval] === priceId) return { plan, interval };
    return null;
  }

  /** The owner's Stripe customer, made on their first checkout. */
  private async newCustomer(owner: Owner): Promise<string> {
    const customer = await this.stripe.customers.create({
      email: owner.email,
      ...(owner.name ? { name: owner.name } : {}),
      metadata: { owner_id: owner.id },
    });
    await this.deps.db
      .insert(subscriptions)
      .values({ ownerId: owner.id, stripeCustomerId: customer.id, updatedAt: new Date(this.now()) })
      .onConflictDoUpdate({ target: subscriptions.ownerId, set: { stripeCustomerId: customer.id } });
    return customer.id;
  }

  private async ownerOfCustomer(db: Database, customerId: string): Promise<string | null> {
    const [row] = await db
      .select({ ownerId: subscriptions.ownerId })
      .from(subscriptions)
      .where(eq(subscriptions.stripeCustomerId, customerId));
    return row?.ownerId ?? null;
  }

  private async tellPaymentFailed(ownerId: string, since: Date): Promise<void> {
    const email = await this.deps.plans.emailOf(ownerId);
    if (!email) return;
    const message: Email = paymentFailedEmail(
      email,
      this.deps.link('/billing'),
      new Date(since.getTime() + GRACE_MS),
    );
    await this.deps.mailer.send(message).catch((error: unknown) => this.deps.onMailError?.(error));
  }
}

/** The subscription an event is about, if any. */
function subscriptionOf(event: Stripe.Event): string | null {
  const object = event.data.object as unknown as Record<string, unknown>;
  const id = (value: unknown) =>
    typeof value === 'string' ? value : ((value as { id?: string } | null)?.id ?? null);
  switch (event.type) {
    case 'checkout.session.completed':
      return id(object.subscription);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return id(object.id);
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const parent = object.parent as { subscription_details?: { subscription?: unknown } } | null;
      return id(object.subscription) ?? id(parent?.subscription_details?.subscription);
    }
    default:
      return null;
  }
}
