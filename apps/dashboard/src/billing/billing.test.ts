import { type StripeDouble, startStripeDouble } from '@threadkit/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database';
import { owners, stripeEvents, subscriptions } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { serveFetch } from '../internal/serve.testing';
import type { Owner } from '../owners/sessions';
import { Sites } from '../sites/sites';
import { mailForFile } from '../test-support';
import { Billing, type BillingConfig, billingConfig } from './billing';
import { GRACE_MS, OwnerPlans } from './plans';

/**
 * Billing against a local Stripe that speaks the endpoints the SDK calls and
 * signs its webhooks as Stripe does: Checkout, renewals, a failed payment and
 * its grace period on a moved clock, cancellation, replayed and reordered
 * events, forged ones.
 */

const PRICES = {
  price_pro_month: { interval: 'month' as const, unitAmount: 900 },
  price_pro_year: { interval: 'year' as const, unitAmount: 9000 },
  price_business_month: { interval: 'month' as const, unitAmount: 4900 },
  price_business_year: { interval: 'year' as const, unitAmount: 49000 },
};
const mail = mailForFile();
let seq = 0;

describe.each(databaseEngines())('billing on $name', (engine) => {
  let handle: DatabaseHandle;
  let stripe: StripeDouble;
  let webhooks: { origin: string; close(): Promise<void> };
  let plans: OwnerPlans;
  let billing: Billing;
  let sites: Sites;
  let now = Date.UTC(2026, 0, 10, 12);

  beforeAll(async () => {
    handle = await engine.open('billing');
    stripe = await startStripeDouble({ prices: PRICES, now: () => now });
    const config = billingConfig({
      ...stripe.env,
      STRIPE_PRICE_PRO_MONTHLY: 'price_pro_month',
      STRIPE_PRICE_PRO_YEARLY: 'price_pro_year',
      STRIPE_PRICE_BUSINESS_MONTHLY: 'price_business_month',
      STRIPE_PRICE_BUSINESS_YEARLY: 'price_business_year',
    }) as BillingConfig;
    plans = new OwnerPlans(handle.db, () => now);
    sites = new Sites(handle.db, () => now, plans);
    billing = new Billing({
      db: handle.db,
      config,
      plans,
      mailer: mail.mailer,
      link: (path) => `https://dashboard.test${path}`,
      now: () => now,
    });
    webhooks = await serveFetch(async (request) => {
      const answer = await billing.receive(await request.text(), request.headers.get('stripe-signature'));
      return new Response(answer.body, { status: answer.status });
    });
    stripe.webhookUrl = `${webhooks.origin}/api/stripe/webhook`;
  });
  afterAll(async () => {
    await webhooks?.close();
    await stripe?.close();
    await handle?.close();
  });

  const owner = async (): Promise<Owner> => {
    const [row] = await handle.db
      .insert(owners)
      .values({ id: `owner-${++seq}`, email: `owner-${seq}@example.com`, emailVerifiedAt: new Date(now) })
      .returning();
    return row!;
  };
  const subscribe = async (who: Owner, plan: 'pro' | 'business', interval: 'month' | 'year' = 'month') => {
    const url = await billing.checkout(who, plan, interval);
    const sessionId = new URL(url).pathname.split('/').pop()!;
    expect(await stripe.pay(sessionId)).toBe('https://dashboard.test/billing?checkout=done');
    await stripe.idle();
    return stripe.checkoutSession(sessionId)!.subscription as string;
  };
  const row = async (who: Owner) =>
    (await handle.db.select().from(subscriptions).where(eq(subscriptions.ownerId, who.id)))[0];

  it('upgrades through Checkout: the webhooks make the owner Pro, with room for five sites', async () => {
    const ada = await owner();
    await sites.create(ada, { name: 'One', domain: 'one.example' });
    await expect(sites.create(ada, { name: 'Two', domain: 'two.example' })).rejects.toMatchObject({
      code: 'plan_limit',
    });
    const subscription = await subscribe(ada, 'pro', 'year');
    expect(stripe.events.slice(-3).map((d) => [d.event.type, d.status])).toEqual([
      ['checkout.session.completed', 200],
      ['customer.subscription.created', 200],
      ['invoice.paid', 200],
    ]);
    expect(await row(ada)).toMatchObject({
      stripeSubscriptionId: subscription,
      plan: 'pro',
      interval: 'year',
      status: 'active',
      pastDueSince: null,
    });
    expect(await plans.ofOwner(ada.id)).toBe('pro');
    await sites.create(ada, { name: 'Two', domain: 'two.example' });
    // The customer was made once, named after the owner; a second checkout goes to the portal.
    expect(stripe.customer((await row(ada))!.stripeCustomerId!)).toMatchObject({ email: ada.email });
    expect(await billing.checkout(ada, 'business', 'month')).toMatch(/\/portal\//);
  });

  it('keeps the paid plan through renewals, and for seven days after a failed payment, then Free', async () => {
    const bea = await owner();
    const subscription = await subscribe(bea, 'business');
    now += 31 * 86_400_000;
    await stripe.renew(subscription);
    await stripe.idle();
    expect(await row(bea)).toMatchObject({ status: 'active', plan: 'business' });

    now += 31 * 86_400_000;
    const failedAt = now;
    await stripe.failPayment(subscription);
    await stripe.idle();
    expect(await row(bea)).toMatchObject({ status: 'past_due', pastDueSince: new Date(failedAt) });
    const email = await mail.smtp.nextMessage(bea.email);
    expect(email.subject).toBe('Your ThreadKit payment failed');
    expect(email.text).toContain(new Date(failedAt + GRACE_MS).toUTCString());
    expect(email.text).toContain('https://dashboard.test/billing');
    now = failedAt + GRACE_MS - 1;
    expect(await plans.ofOwner(bea.id)).toBe('business');
    now = failedAt + GRACE_MS;
    expect(await plans.ofOwner(bea.id)).toBe('free');
    // Paid at last: the plan is back, the grace period gone; no second e-mail was sent.
    await stripe.renew(subscription);
    await stripe.idle();
    expect(await row(bea)).toMatchObject({ status: 'active', pastDueSince: null });
    expect(await plans.ofOwner(bea.id)).toBe('business');
    expect(mail.smtp.messagesTo(bea.email)).toHaveLength(1);
  });

  it('ends the plan when the subscription is cancelled, at the end of the period or at once', async () => {
    const cy = await owner();
    const subscription = await subscribe(cy, 'pro');
    await stripe.sdk().subscriptions.update(subscription, { cancel_at_period_end: true });
    await stripe.idle();
    expect(await row(cy)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    expect(await plans.ofOwner(cy.id)).toBe('pro');
    await stripe.renew(subscription);
    await stripe.idle();
    expect(await row(cy)).toMatchObject({ status: 'canceled' });
    expect(await plans.ofOwner(cy.id)).toBe('free');

    const dee = await owner();
    await stripe.cancelNow(await subscribe(dee, 'business'));
    await stripe.idle();
    expect(await plans.ofOwner(dee.id)).toBe('free');
  });

  it('changes nothing on a replayed event, and ends where Stripe is when events come out of order', async () => {
    const eve = await owner();
    const subscription = await subscribe(eve, 'pro');
    const handled = async () => (await handle.db.select().from(stripeEvents)).length;
    const before = await handled();
    const delivered = stripe.events.filter((d) => d.status === 200).at(-1)!;
    expect((await stripe.resend(delivered.event.id)).status).toBe(200);
    expect(await handled()).toBe(before);

    // A payment fails, then goes through; the news arrives newest first.
    stripe.holdWebhooks = true;
    await stripe.failPayment(subscription);
    await stripe.renew(subscription);
    stripe.holdWebhooks = false;
    const late = await stripe.release('reverse');
    expect(late.every((d) => d.status === 200)).toBe(true);
    expect(await row(eve)).toMatchObject({ status: 'active', plan: 'pro', pastDueSince: null });
    expect(await handled()).toBe(before + late.length);
  });

  it('refuses a forged event with 400 and changes nothing', async () => {
    const fay = await owner();
    const subscription = await subscribe(fay, 'pro');
    const before = await row(fay);
    const forged = await stripe.sendForged('customer.subscription.deleted', {
      ...stripe.subscription(subscription),
      status: 'canceled',
    });
    expect(forged.status).toBe(400);
    expect(await row(fay)).toEqual(before);
    expect(await handle.db.select().from(stripeEvents).where(eq(stripeEvents.id, forged.event.id))).toEqual(
      [],
    );
  });

  it('is off without STRIPE_SECRET_KEY, and refuses a half-done configuration', () => {
    expect(billingConfig({})).toBeNull();
    expect(() => billingConfig({ STRIPE_SECRET_KEY: 'sk_test_x' })).toThrow(
      /STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY/,
    );
  });
});
