import { createServer } from 'node:http';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from './listen.js';
import { parseStripeForm, type StripeDouble, startStripeDouble, stripePeriodEnd } from './stripe.js';
import { eventually } from './wait.js';

/** What the in-test webhook endpoint saw: a verified event, or why verification failed. */
type Received = { verified: true; event: Stripe.Event } | { verified: false; error: unknown };

const seconds = (ms: number) => Math.floor(ms / 1000);
/** A month end, to see Stripe's day-of-month rule (Jan 31 → Feb 28 → Mar 31). */
const START = Date.UTC(2031, 0, 31, 12, 0, 0);

describe('startStripeDouble', () => {
  let double: StripeDouble;
  let stripe: Stripe;
  let clock = START;
  const received: Received[] = [];
  let stopReceiver: () => Promise<void>;

  beforeAll(async () => {
    double = await startStripeDouble({
      prices: {
        price_monthly: { interval: 'month', unitAmount: 900, product: 'ThreadKit Pro' },
        price_yearly: { interval: 'year', unitAmount: 9000, product: 'ThreadKit Pro' },
      },
      now: () => clock,
    });
    stripe = double.sdk();
    // The dashboard's side: verify as the SDK documents, answer 400 when that fails.
    const receiver = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      try {
        const event = stripe.webhooks.constructEvent(
          Buffer.concat(chunks),
          request.headers['stripe-signature'] ?? '',
          double.webhookSecret,
        );
        received.push({ verified: true, event });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      } catch (error) {
        received.push({ verified: false, error });
        response.writeHead(400).end('bad signature');
      }
    });
    const listening = await listenLocal(receiver);
    stopReceiver = listening.stop;
    double.webhookUrl = `${listening.url}/api/billing/webhook`;
  });
  afterAll(async () => {
    await double?.close();
    await stopReceiver?.();
  });

  /** The verified events received since `mark`, by type. */
  const eventsSince = (mark: number) =>
    received.slice(mark).map((r) => {
      if (!r.verified) throw new Error(`an unverified delivery: ${String(r.error)}`);
      return r.event;
    });

  /** A customer with a paid monthly subscription, through the SDK and the hosted page. */
  const subscribe = async (ownerId: string) => {
    const customer = await stripe.customers.create({
      email: `${ownerId}@example.test`,
      name: 'Owner',
      metadata: { owner_id: ownerId },
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_monthly', quantity: 1 }],
      success_url: 'https://app.example.test/billing/done?session={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.example.test/billing',
      client_reference_id: ownerId,
      metadata: { owner_id: ownerId },
      subscription_data: { metadata: { owner_id: ownerId } },
    });
    const mark = received.length;
    const paid = await fetch(session.url!, { method: 'POST', redirect: 'manual' });
    const sessionNow = await stripe.checkout.sessions.retrieve(session.id);
    return { customer, session, paid, sessionNow, subscriptionId: sessionNow.subscription as string, mark };
  };

  it('creates customers and checkout sessions through the SDK, bracket-encoded fields and all', async () => {
    const customer = await stripe.customers.create({
      email: 'owner@example.test',
      name: 'Ada',
      metadata: { owner_id: 'own_1' },
    });
    expect(customer).toMatchObject({
      id: expect.stringMatching(/^cus_[A-Za-z0-9]+$/),
      object: 'customer',
      email: 'owner@example.test',
      metadata: { owner_id: 'own_1' },
    });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, name: 'Ada' });

    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_yearly', quantity: 2 }],
      success_url: 'https://app.example.test/done',
      cancel_url: 'https://app.example.test/billing',
      client_reference_id: 'own_1',
      metadata: { owner_id: 'own_1' },
    });
    expect(session).toMatchObject({
      id: expect.stringMatching(/^cs_/),
      object: 'checkout.session',
      url: `${double.url}/pay/${session.id}`,
      customer: customer.id,
      mode: 'subscription',
      status: 'open',
      client_reference_id: 'own_1',
      metadata: { owner_id: 'own_1' },
      subscription: null,
      amount_total: 18000,
    });
    expect(double.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/v1/checkout/sessions',
      params: { line_items: [{ price: 'price_yearly', quantity: '2' }], metadata: { owner_id: 'own_1' } },
      status: 200,
    });

    const page = await fetch(session.url!);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('$180.00 per year');
    expect(html).toContain(
      `<form method="post" action="/pay/${session.id}"><button type="submit">Pay</button>`,
    );
    expect(html).toContain('<a href="https://app.example.test/billing">Cancel</a>');
  });

  it('on Pay: completes the session, sends three signed events in order, then redirects to success_url', async () => {
    const { customer, session, paid, sessionNow, subscriptionId, mark } = await subscribe('own_pay');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`https://app.example.test/billing/done?session=${session.id}`);

    // Delivered, and answered, before the redirect.
    const events = eventsSince(mark);
    expect(events.map((e) => e.type)).toEqual([
      'checkout.session.completed',
      'customer.subscription.created',
      'invoice.paid',
    ]);
    expect(events.map((e) => e.created)).toEqual([seconds(clock), seconds(clock), seconds(clock)]);
    expect(events[0]!.data.object).toMatchObject({
      id: session.id,
      status: 'complete',
      customer: customer.id,
      subscription: subscriptionId,
      client_reference_id: 'own_pay',
    });
    expect(events[1]!.data.object).toMatchObject({ id: subscriptionId, status: 'active' });
    expect(events[2]!.data.object).toMatchObject({
      object: 'invoice',
      status: 'paid',
      amount_paid: 900,
      customer: customer.id,
      subscription: subscriptionId,
      parent: { subscription_details: { subscription: subscriptionId } },
    });
    expect(double.events.slice(-3).map((d) => [d.event.type, d.status, d.forged, d.replay])).toEqual([
      ['checkout.session.completed', 200, false, false],
      ['customer.subscription.created', 200, false, false],
      ['invoice.paid', 200, false, false],
    ]);

    expect(sessionNow).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      subscription: subscriptionId,
    });
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(expanded.subscription).toMatchObject({ id: subscriptionId, object: 'subscription' });

    const again = await fetch(`${double.url}/pay/${session.id}`, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(409);
  });

  it('the paid subscription is active on its price for one month from the clock', async () => {
    const { subscriptionId } = await subscribe('own_period');
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    const start = seconds(clock);
    const end = seconds(Date.UTC(2031, 1, 28, 12, 0, 0));
    expect(subscription).toMatchObject({
      object: 'subscription',
      status: 'active',
      cancel_at_period_end: false,
      metadata: { owner_id: 'own_period' },
      current_period_start: start,
      current_period_end: end,
    });
    expect(subscription.items.data).toHaveLength(1);
    expect(subscription.items.data[0]).toMatchObject({
      id: expect.stringMatching(/^si_/),
      price: { id: 'price_monthly', object: 'price', recurring: { interval: 'month' } },
      current_period_start: start,
      current_period_end: end,
    });
    const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(invoice).toMatchObject({
      status: 'paid',
      amount_paid: 900,
      billing_reason: 'subscription_create',
    });
  });

  it('renew: invoice.paid, then customer.subscription.updated with the next period', async () => {
    const { subscriptionId } = await subscribe('own_renew');
    const mark = received.length;
    const feb28 = seconds(Date.UTC(2031, 1, 28, 12));
    const mar31 = seconds(Date.UTC(2031, 2, 31, 12));
    clock = feb28 * 1000;
    try {
      await double.renew(subscriptionId);
    } finally {
      clock = START;
    }
    const [paid, updated] = eventsSince(mark);
    expect([paid?.type, updated?.type]).toEqual(['invoice.paid', 'customer.subscription.updated']);
    expect([paid?.created, updated?.created]).toEqual([feb28, feb28]);
    expect(paid!.data.object).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_cycle',
      created: feb28,
    });
    expect(updated!.data.object).toMatchObject({
      status: 'active',
      current_period_start: feb28,
      current_period_end: mar31,
      latest_invoice: (paid!.data.object as Stripe.Invoice).id,
    });
    expect(updated!.data.previous_attributes).toMatchObject({ current_period_end: feb28 });
    expect((await stripe.subscriptions.retrieve(subscriptionId)).items.data[0]!.current_period_end).toBe(
      mar31,
    );
  });

  it('failPayment: invoice.payment_failed, then past_due; a later renew pays the open invoice', async () => {
    const { subscriptionId } = await subscribe('own_fail');
    let mark = received.length;
    await double.failPayment(subscriptionId);
    const [failed, pastDue] = eventsSince(mark);
    expect(failed).toMatchObject({
      type: 'invoice.payment_failed',
      data: { object: { status: 'open', amount_paid: 0, amount_due: 900 } },
    });
    expect(pastDue).toMatchObject({
      type: 'customer.subscription.updated',
      data: { object: { status: 'past_due' }, previous_attributes: { status: 'active' } },
    });
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('past_due');

    mark = received.length;
    await double.renew(subscriptionId);
    const [paid, active] = eventsSince(mark);
    expect(paid).toMatchObject({
      type: 'invoice.paid',
      data: { object: { id: (failed!.data.object as Stripe.Invoice).id, status: 'paid', amount_paid: 900 } },
    });
    expect(active).toMatchObject({
      type: 'customer.subscription.updated',
      data: { object: { status: 'active' }, previous_attributes: { status: 'past_due' } },
    });
    // The failed renewal had already moved the period on.
    const periodEnd = (event: Stripe.Event) =>
      (event.data.object as Stripe.Subscription).items.data[0]!.current_period_end;
    expect(periodEnd(active!)).toBe(periodEnd(pastDue!));
  });

  it('cancelNow: customer.subscription.deleted, and the subscription is canceled', async () => {
    const { subscriptionId } = await subscribe('own_cancel_now');
    const mark = received.length;
    await double.cancelNow(subscriptionId);
    expect(eventsSince(mark)).toMatchObject([
      { type: 'customer.subscription.deleted', data: { object: { id: subscriptionId, status: 'canceled' } } },
    ]);
    expect(await stripe.subscriptions.retrieve(subscriptionId)).toMatchObject({
      status: 'canceled',
      ended_at: seconds(clock),
    });
    await expect(double.renew(subscriptionId)).rejects.toThrow(/canceled/);
  });

  it("the portal's Cancel plan and Switch buttons change the subscription and say so", async () => {
    const { customer, subscriptionId } = await subscribe('own_portal');
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'https://app.example.test/billing',
    });
    expect(portal).toMatchObject({
      object: 'billing_portal.session',
      url: `${double.url}/portal/${portal.id}`,
      return_url: 'https://app.example.test/billing',
    });

    let html = await (await fetch(portal.url)).text();
    expect(html).toContain('<a href="https://app.example.test/billing">Return</a>');
    expect(html).toContain('Switch to price_yearly');
    expect(html).not.toContain('Switch to price_monthly');
    let mark = received.length;
    let answer = await submit(html, 'Cancel plan', portal.url);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`/portal/${portal.id}`);
    expect(eventsSince(mark)).toMatchObject([
      {
        type: 'customer.subscription.updated',
        data: {
          object: { id: subscriptionId, cancel_at_period_end: true, status: 'active' },
          previous_attributes: { cancel_at_period_end: false },
        },
      },
    ]);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).cancel_at_period_end).toBe(true);

    html = await (await fetch(portal.url)).text();
    expect(html).toContain('Cancels on 2031-02-28');
    mark = received.length;
    answer = await submit(html, 'Switch to price_yearly', portal.url);
    expect(answer.status).toBe(303);
    const [switched] = eventsSince(mark);
    expect(switched).toMatchObject({
      type: 'customer.subscription.updated',
      data: { previous_attributes: { items: { data: [{ price: { id: 'price_monthly' } }] } } },
    });
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    expect(subscription.items.data[0]).toMatchObject({
      price: { id: 'price_yearly', recurring: { interval: 'year' } },
      current_period_end: seconds(Date.UTC(2032, 0, 31, 12)),
    });
  });

  it('an API update answers first, then sends customer.subscription.updated', async () => {
    const { subscriptionId } = await subscribe('own_api');
    const mark = received.length;
    const updated = await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    expect(updated.cancel_at_period_end).toBe(true);
    await eventually(
      'the update event',
      async () => received.length,
      (n) => n > mark,
    );
    expect(eventsSince(mark)).toMatchObject([
      { type: 'customer.subscription.updated', data: { object: { cancel_at_period_end: true } } },
    ]);
  });

  it('resend delivers the same event again, marked as a replay', async () => {
    const { mark } = await subscribe('own_resend');
    const first = eventsSince(mark)[1]!;
    const again = await double.resend(first.id);
    expect(again).toMatchObject({ status: 200, replay: true, forged: false });
    const last = received.at(-1)!;
    expect(last.verified && last.event).toMatchObject({
      id: first.id,
      type: 'customer.subscription.created',
    });
    expect(double.events.filter((d) => d.event.id === first.id)).toHaveLength(2);
  });

  it('holds events while asked, then releases them newest first', async () => {
    const { subscriptionId } = await subscribe('own_hold');
    const mark = received.length;
    double.holdWebhooks = true;
    try {
      const made = await double.renew(subscriptionId);
      expect(received.length).toBe(mark);
      expect(double.held.map((e) => e.type)).toEqual(['invoice.paid', 'customer.subscription.updated']);
      expect(double.held.map((e) => e.id)).toEqual(made.map((e) => e.id));
      const deliveries = await double.release('reverse');
      expect(deliveries.map((d) => d.status)).toEqual([200, 200]);
    } finally {
      double.holdWebhooks = false;
    }
    expect(double.held).toEqual([]);
    expect(eventsSince(mark).map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.paid']);
  });

  it('a forged event fails constructEvent and the endpoint answers 400', async () => {
    const mark = received.length;
    const delivery = await double.sendForged('customer.subscription.deleted');
    expect(delivery).toMatchObject({ status: 400, forged: true });
    expect(received.slice(mark)).toHaveLength(1);
    const forged = received[mark]!;
    expect(forged.verified).toBe(false);
    expect(!forged.verified && forged.error).toBeInstanceOf(Stripe.errors.StripeSignatureVerificationError);
  });

  it('refuses an unknown price as Stripe does', async () => {
    const attempt = stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_nope', quantity: 1 }],
      success_url: 'https://app.example.test/done',
    });
    await expect(attempt).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(attempt).rejects.toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'line_items[0][price]',
      message: expect.stringContaining("No such price: 'price_nope'"),
    });
  });

  it('refuses a wrong or missing key with 401, and unknown routes with 404, in Stripe’s error shape', async () => {
    const wrong = new Stripe('sk_test_wrong', {
      host: '127.0.0.1',
      port: new URL(double.url).port,
      protocol: 'http',
    });
    await expect(wrong.customers.create({ email: 'x@example.test' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );

    const missing = await fetch(`${double.url}/v1/customers`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

    const unknown = await fetch(`${double.url}/v1/charges`, {
      headers: { authorization: `Bearer ${double.secretKey}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('Unrecognized request URL') },
    });
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('sends webhooks to loopback only', async () => {
    expect(() => {
      double.webhookUrl = 'https://dashboard.example.com/api/billing/webhook';
    }).toThrow(/loopback/);
    await expect(
      startStripeDouble({ prices: {}, webhookUrl: 'https://dashboard.example.com/hook' }),
    ).rejects.toThrow(/loopback/);
    const other = await startStripeDouble({ prices: {}, webhookUrl: 'http://127.0.0.1:9/hook' });
    expect(other.webhookUrl).toBe('http://127.0.0.1:9/hook');
    await other.close();
  });

  it('gives env pointing the dashboard at it', () => {
    expect(double.env).toEqual({
      STRIPE_SECRET_KEY: double.secretKey,
      STRIPE_WEBHOOK_SECRET: double.webhookSecret,
      STRIPE_API_URL: double.url,
    });
    expect(double.secretKey).toMatch(/^sk_test_/);
    expect(double.webhookSecret).toMatch(/^whsec_/);
    expect(double.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('parseStripeForm', () => {
  it('reads bracket notation into objects and arrays', () => {
    expect(
      parseStripeForm(
        'line_items[0][price]=p1&line_items[0][quantity]=2&line_items[1][price]=p2' +
          '&metadata[owner_id]=o%201&expand[]=a&expand[]=b.c&plain=x&__proto__[polluted]=1',
      ),
    ).toEqual({
      line_items: [{ price: 'p1', quantity: '2' }, { price: 'p2' }],
      metadata: { owner_id: 'o 1' },
      expand: ['a', 'b.c'],
      plain: 'x',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('stripePeriodEnd', () => {
  it("keeps the anchor's day of the month where the month has it", () => {
    const jan31 = seconds(Date.UTC(2031, 0, 31, 12));
    expect(stripePeriodEnd(jan31, 'month')).toBe(seconds(Date.UTC(2031, 1, 28, 12)));
    expect(stripePeriodEnd(jan31, 'month', 2)).toBe(seconds(Date.UTC(2031, 2, 31, 12)));
    const leapDay = seconds(Date.UTC(2032, 1, 29));
    expect(stripePeriodEnd(leapDay, 'year')).toBe(seconds(Date.UTC(2033, 1, 28)));
  });
});

/** Submits the form holding the button named `button`, as a browser would, without following the redirect. */
async function submit(html: string, button: string, pageUrl: string): Promise<Response> {
  const form = [...html.matchAll(/<form method="post" action="([^"]+)">(.*?)<\/form>/gs)].find((m) =>
    m[2]!.includes(`<button type="submit">${button}</button>`),
  );
  if (!form) throw new Error(`no form with a "${button}" button`);
  const fields = new URLSearchParams(
    [...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1]!,
      m[2]!,
    ]),
  );
  return fetch(new URL(form[1]!, pageUrl), { method: 'POST', body: fields, redirect: 'manual' });
}
