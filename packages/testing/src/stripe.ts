import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { listenLocal } from './listen.js';

/**
 * A stand-in for Stripe in billing tests: the REST endpoints a dashboard calls
 * through the official SDK, the hosted checkout and customer-portal pages a
 * browser clicks through, and signed webhooks that tests can replay, hold back
 * and reorder, all on loopback.
 */

/** A price the double knows; any other price id is refused as Stripe refuses it. */
export interface StripeDoublePrice {
  interval: 'month' | 'year';
  /** In cents (the double bills in USD). */
  unitAmount: number;
  /** The product's id, also shown on the pay page; `prod_<price id>` by default. */
  product?: string;
}

export interface StripeDoubleOptions {
  /** Where events go; may be set later, once the dashboard is listening. */
  webhookUrl?: string;
  prices: Record<string, StripeDoublePrice>;
  /** The double's clock in milliseconds (objects' `created`, periods); `Date.now` by default. */
  now?: () => number;
}

type Metadata = Record<string, string>;

export interface StripeDoubleCustomer {
  id: string;
  object: 'customer';
  email: string | null;
  name: string | null;
  metadata: Metadata;
  created: number;
  livemode: false;
}

export interface StripeDoublePriceObject {
  id: string;
  object: 'price';
  active: true;
  currency: 'usd';
  unit_amount: number;
  product: string;
  type: 'recurring';
  recurring: { interval: 'month' | 'year'; interval_count: 1; usage_type: 'licensed' };
  livemode: false;
}

export interface StripeDoubleSubscriptionItem {
  id: string;
  object: 'subscription_item';
  subscription: string;
  price: StripeDoublePriceObject;
  quantity: number;
  created: number;
  current_period_start: number;
  current_period_end: number;
  metadata: Metadata;
}

export interface StripeDoubleSubscription {
  id: string;
  object: 'subscription';
  customer: string;
  status: 'active' | 'past_due' | 'canceled';
  cancel_at_period_end: boolean;
  cancel_at: number | null;
  canceled_at: number | null;
  ended_at: number | null;
  cancellation_details: { reason: string | null };
  created: number;
  start_date: number;
  billing_cycle_anchor: number;
  /** Older API versions' place for the period; newer ones keep it on the item only. */
  current_period_start: number;
  current_period_end: number;
  collection_method: 'charge_automatically';
  currency: 'usd';
  metadata: Metadata;
  items: {
    object: 'list';
    data: StripeDoubleSubscriptionItem[];
    has_more: false;
    total_count: number;
    url: string;
  };
  latest_invoice: string | null;
  livemode: false;
}

export interface StripeDoubleInvoice {
  id: string;
  object: 'invoice';
  customer: string;
  /** Older API versions' link to the subscription; newer ones use `parent`. */
  subscription: string;
  parent: {
    type: 'subscription_details';
    subscription_details: { subscription: string; metadata: Metadata };
  };
  status: 'paid' | 'open';
  billing_reason: 'subscription_create' | 'subscription_cycle';
  currency: 'usd';
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: true;
  period_start: number;
  period_end: number;
  created: number;
  status_transitions: { finalized_at: number; paid_at: number | null };
  lines: {
    object: 'list';
    data: {
      id: string;
      object: 'line_item';
      amount: number;
      currency: 'usd';
      quantity: number;
      period: { start: number; end: number };
      pricing: { type: 'price_details'; price_details: { price: string; product: string } };
    }[];
    has_more: false;
    total_count: number;
  };
  livemode: false;
}

export interface StripeDoubleCheckoutSession {
  id: string;
  object: 'checkout.session';
  /** The hosted page; null once the session is complete, as with Stripe. */
  url: string | null;
  customer: string | null;
  customer_email: string | null;
  mode: 'subscription';
  status: 'open' | 'complete';
  payment_status: 'unpaid' | 'paid';
  client_reference_id: string | null;
  metadata: Metadata;
  subscription: string | null;
  invoice: string | null;
  success_url: string;
  cancel_url: string | null;
  amount_subtotal: number;
  amount_total: number;
  currency: 'usd';
  created: number;
  expires_at: number;
  livemode: false;
}

interface PortalSession {
  id: string;
  object: 'billing_portal.session';
  url: string;
  customer: string;
  return_url: string | null;
  configuration: string;
  created: number;
  livemode: false;
}

export interface StripeDoubleEvent {
  id: string;
  object: 'event';
  type: string;
  api_version: string;
  created: number;
  /** The object as it was when the event happened. */
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

/** One delivery attempt of an event to `webhookUrl`. */
export interface StripeDelivery {
  event: StripeDoubleEvent;
  /** The dashboard's HTTP status; null when nothing answered. */
  status: number | null;
  /** The start of the dashboard's answer, to read when a test fails. */
  response: string;
  error?: string;
  /** Signed with a secret that is not the webhook secret. */
  forged: boolean;
  /** A second (or later) delivery of an event already sent. */
  replay: boolean;
}

/** One API request the double answered, with its decoded parameters. */
export interface StripeApiRequest {
  method: string;
  path: string;
  params: StripeForm;
  status: number;
}

export interface StripeDouble {
  /** Base URL, for `STRIPE_API_URL`. */
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** The settings that point the dashboard's billing here. */
  env: { STRIPE_SECRET_KEY: string; STRIPE_WEBHOOK_SECRET: string; STRIPE_API_URL: string };
  /** Where events go (loopback only); null drops them, recorded as undelivered. */
  webhookUrl: string | null;
  /** While true, new events wait in `held` instead of being sent, so a test can reorder them. */
  holdWebhooks: boolean;
  held: StripeDoubleEvent[];
  /** Every delivery, in the order sent. */
  events: StripeDelivery[];
  requests: StripeApiRequest[];
  /** A client configured as the dashboard configures its own, for tests. */
  sdk(): Stripe;
  /** The double's own objects, live (not copies), to look at or to change behind the API's back. */
  customer(id: string): StripeDoubleCustomer | undefined;
  checkoutSession(id: string): StripeDoubleCheckoutSession | undefined;
  subscription(id: string): StripeDoubleSubscription | undefined;
  invoice(id: string): StripeDoubleInvoice | undefined;
  /** What pressing Pay does, without a browser; resolves to where Stripe would redirect. */
  pay(sessionId: string): Promise<string>;
  /** Sends the event with this id again, as Stripe does when it retries. */
  resend(eventId: string): Promise<StripeDelivery>;
  /** Sends any event now, even while holding. */
  deliver(event: StripeDoubleEvent): Promise<StripeDelivery>;
  /** Sends the held events, oldest first or newest first; `holdWebhooks` stays as it is. */
  release(order?: 'as-is' | 'reverse'): Promise<StripeDelivery[]>;
  /**
   * A new billing period: `invoice.paid`, then `customer.subscription.updated`. After a
   * failed payment it pays the open invoice instead (the period already moved on). A
   * subscription set to cancel at period end ends instead (`customer.subscription.deleted`).
   */
  renew(subscriptionId: string): Promise<StripeDoubleEvent[]>;
  /** The renewal payment fails: `invoice.payment_failed`, then `customer.subscription.updated` (past_due). */
  failPayment(subscriptionId: string): Promise<StripeDoubleEvent[]>;
  /** Cancels at once: `customer.subscription.deleted`. */
  cancelNow(subscriptionId: string): Promise<StripeDoubleEvent[]>;
  /**
   * Sends now (even while holding) an event of this type about `object` (by default the
   * latest subscription), signed with the wrong secret: the dashboard should refuse it.
   */
  sendForged(type: string, object?: Record<string, unknown>): Promise<StripeDelivery>;
  /** Resolves once every queued delivery is done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a route; answered in Stripe's error shape. */
class StripeApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/**
 * Starts the double. Webhooks of a browser action (Pay, the portal's buttons) are
 * delivered before the browser is redirected; webhooks of an API call after the
 * call is answered, since a dashboard may hold a lock while it calls Stripe.
 */
export async function startStripeDouble(options: StripeDoubleOptions): Promise<StripeDouble> {
  const now = options.now ?? Date.now;
  const seconds = () => Math.floor(now() / 1000);
  const secretKey = `sk_test_${stripeId(32)}`;
  const webhookSecret = `whsec_${stripeId(32)}`;
  const customers = new Map<string, StripeDoubleCustomer>();
  const sessions = new Map<string, StripeDoubleCheckoutSession>();
  const sessionLines = new Map<string, { price: string; quantity: number; subscriptionMetadata: Metadata }>();
  const portals = new Map<string, PortalSession>();
  const subscriptions = new Map<string, StripeDoubleSubscription>();
  const invoices = new Map<string, StripeDoubleInvoice>();
  const idempotent = new Map<string, { status: number; body: string }>();
  let webhookUrl = options.webhookUrl === undefined ? null : loopbackOnly(options.webhookUrl);
  let chain: Promise<unknown> = Promise.resolve();

  const priceObject = (id: string): StripeDoublePriceObject | undefined => {
    const price = options.prices[id];
    if (!price) return undefined;
    return {
      id,
      object: 'price',
      active: true,
      currency: 'usd',
      unit_amount: price.unitAmount,
      product: price.product ?? `prod_${id}`,
      type: 'recurring',
      recurring: { interval: price.interval, interval_count: 1, usage_type: 'licensed' },
      livemode: false,
    };
  };

  const lookup = (id: string): object | undefined =>
    customers.get(id) ??
    sessions.get(id) ??
    subscriptions.get(id) ??
    invoices.get(id) ??
    portals.get(id) ??
    priceObject(id);

  // --- webhooks -------------------------------------------------------------

  const send = async (event: StripeDoubleEvent, forged: boolean): Promise<StripeDelivery> => {
    const payload = JSON.stringify(event, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: forged ? `whsec_${stripeId(32)}` : webhookSecret,
    });
    const delivery: StripeDelivery = {
      event,
      status: null,
      response: '',
      forged,
      replay: double.events.some((d) => d.event.id === event.id && !d.forged),
    };
    if (!webhookUrl) {
      delivery.error = 'no webhook URL set';
    } else {
      try {
        const answer = await fetch(webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'stripe-signature': signature,
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
          body: payload,
          signal: AbortSignal.timeout(15_000),
        });
        delivery.status = answer.status;
        delivery.response = (await answer.text()).slice(0, 1000);
      } catch (error) {
        delivery.error = String(error);
      }
    }
    double.events.push(delivery);
    return delivery;
  };

  /** One delivery at a time, in the order asked, whoever asks. */
  const enqueue = (event: StripeDoubleEvent, forged = false): Promise<StripeDelivery> => {
    const delivery = chain.then(() => send(event, forged));
    chain = delivery;
    return delivery;
  };

  /** An event carrying the object as it is now. */
  const makeEvent = (
    type: string,
    object: object,
    previous?: Record<string, unknown>,
  ): StripeDoubleEvent => ({
    id: `evt_${stripeId(24)}`,
    object: 'event',
    type,
    api_version: Stripe.API_VERSION,
    created: seconds(),
    data: {
      object: structuredClone(object) as Record<string, unknown>,
      ...(previous ? { previous_attributes: structuredClone(previous) } : {}),
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  });

  /** Sends (or holds) a new event; `done` resolves once that is done. */
  const emit = (
    type: string,
    object: object,
    previous?: Record<string, unknown>,
  ): { event: StripeDoubleEvent; done: Promise<unknown> } => {
    const event = makeEvent(type, object, previous);
    if (double.holdWebhooks) {
      double.held.push(event);
      return { event, done: Promise.resolve() };
    }
    return { event, done: enqueue(event) };
  };

  /** Emits in order, each after the one before was answered. */
  const emitAll = async (
    list: [type: string, object: object, previous?: Record<string, unknown>][],
  ): Promise<StripeDoubleEvent[]> => {
    const sent: StripeDoubleEvent[] = [];
    for (const [type, object, previous] of list) {
      const { event, done } = emit(type, object, previous);
      sent.push(event);
      await done;
    }
    return sent;
  };

  // --- the billing model ----------------------------------------------------

  const newCustomer = (fields: { email?: string; name?: string; metadata?: Metadata }) => {
    const customer: StripeDoubleCustomer = {
      id: `cus_${stripeId(14)}`,
      object: 'customer',
      email: fields.email ?? null,
      name: fields.name ?? null,
      metadata: mergeMetadata({}, fields.metadata),
      created: seconds(),
      livemode: false,
    };
    customers.set(customer.id, customer);
    return customer;
  };

  const setPeriod = (sub: StripeDoubleSubscription, start: number, end: number) => {
    sub.current_period_start = start;
    sub.current_period_end = end;
    for (const item of sub.items.data) {
      item.current_period_start = start;
      item.current_period_end = end;
    }
  };

  const periodAttributes = (sub: StripeDoubleSubscription) => ({
    status: sub.status,
    current_period_start: sub.current_period_start,
    current_period_end: sub.current_period_end,
    latest_invoice: sub.latest_invoice,
    items: structuredClone(sub.items),
  });

  /** Moves the subscription on to its next period, counted from its billing cycle anchor. */
  const nextPeriod = (sub: StripeDoubleSubscription) => {
    const interval = sub.items.data[0]!.price.recurring.interval;
    let periods = 1;
    while (stripePeriodEnd(sub.billing_cycle_anchor, interval, periods) <= sub.current_period_end) periods++;
    setPeriod(sub, sub.current_period_end, stripePeriodEnd(sub.billing_cycle_anchor, interval, periods));
  };

  const newInvoice = (
    sub: StripeDoubleSubscription,
    paid: boolean,
    reason: StripeDoubleInvoice['billing_reason'],
  ): StripeDoubleInvoice => {
    const created = seconds();
    const amount = sub.items.data.reduce((sum, item) => sum + item.price.unit_amount * item.quantity, 0);
    const invoice: StripeDoubleInvoice = {
      id: `in_${stripeId(24)}`,
      object: 'invoice',
      customer: sub.customer,
      subscription: sub.id,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: sub.id, metadata: { ...sub.metadata } },
      },
      status: paid ? 'paid' : 'open',
      billing_reason: reason,
      currency: 'usd',
      amount_due: amount,
      amount_paid: paid ? amount : 0,
      amount_remaining: paid ? 0 : amount,
      attempt_count: 1,
      attempted: true,
      period_start: sub.current_period_start,
      period_end: sub.current_period_end,
      created,
      status_transitions: { finalized_at: created, paid_at: paid ? created : null },
      lines: {
        object: 'list',
        data: sub.items.data.map((item) => ({
          id: `il_${stripeId(24)}`,
          object: 'line_item' as const,
          amount: item.price.unit_amount * item.quantity,
          currency: 'usd' as const,
          quantity: item.quantity,
          period: { start: sub.current_period_start, end: sub.current_period_end },
          pricing: {
            type: 'price_details' as const,
            price_details: { price: item.price.id, product: item.price.product },
          },
        })),
        has_more: false,
        total_count: sub.items.data.length,
      },
      livemode: false,
    };
    invoices.set(invoice.id, invoice);
    sub.latest_invoice = invoice.id;
    return invoice;
  };

  const pay = async (sessionId: string): Promise<string> => {
    const session = sessions.get(sessionId);
    const line = sessionLines.get(sessionId);
    if (!session || !line)
      throw new StripeApiFailure(404, 'invalid_request_error', 'No such checkout session');
    if (session.status !== 'open') {
      throw new StripeApiFailure(409, 'invalid_request_error', 'This checkout session is no longer open');
    }
    const customer = session.customer ?? newCustomer({ email: session.customer_email ?? undefined }).id;
    const start = seconds();
    const end = stripePeriodEnd(start, options.prices[line.price]!.interval);
    const id = `sub_${stripeId(24)}`;
    const sub: StripeDoubleSubscription = {
      id,
      object: 'subscription',
      customer,
      status: 'active',
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      cancellation_details: { reason: null },
      created: start,
      start_date: start,
      billing_cycle_anchor: start,
      current_period_start: start,
      current_period_end: end,
      collection_method: 'charge_automatically',
      currency: 'usd',
      metadata: { ...line.subscriptionMetadata },
      items: {
        object: 'list',
        data: [
          {
            id: `si_${stripeId(14)}`,
            object: 'subscription_item',
            subscription: id,
            price: priceObject(line.price)!,
            quantity: line.quantity,
            created: start,
            current_period_start: start,
            current_period_end: end,
            metadata: {},
          },
        ],
        has_more: false,
        total_count: 1,
        url: `/v1/subscription_items?subscription=${id}`,
      },
      latest_invoice: null,
      livemode: false,
    };
    subscriptions.set(id, sub);
    const invoice = newInvoice(sub, true, 'subscription_create');
    session.status = 'complete';
    session.payment_status = 'paid';
    session.customer = customer;
    session.subscription = id;
    session.invoice = invoice.id;
    session.url = null;
    await emitAll([
      ['checkout.session.completed', session],
      ['customer.subscription.created', sub],
      ['invoice.paid', invoice],
    ]);
    return session.success_url.replace(/\{CHECKOUT_SESSION_ID\}|%7BCHECKOUT_SESSION_ID%7D/g, session.id);
  };

  const liveSubscription = (id: string) => {
    const sub = subscriptions.get(id);
    if (!sub) throw new Error(`the Stripe double has no subscription ${id}`);
    if (sub.status === 'canceled') throw new Error(`subscription ${id} is canceled`);
    return sub;
  };

  const cancelNow = (sub: StripeDoubleSubscription) => {
    const at = seconds();
    sub.status = 'canceled';
    sub.canceled_at ??= at;
    sub.ended_at = at;
    return emit('customer.subscription.deleted', sub);
  };

  /** Stripe's portal and API: cancel at the period's end, or take that back. */
  const setCancelAtPeriodEnd = (sub: StripeDoubleSubscription, cancel: boolean) => {
    if (sub.cancel_at_period_end === cancel) return undefined;
    const previous = {
      cancel_at_period_end: sub.cancel_at_period_end,
      cancel_at: sub.cancel_at,
      canceled_at: sub.canceled_at,
      cancellation_details: { ...sub.cancellation_details },
    };
    sub.cancel_at_period_end = cancel;
    sub.cancel_at = cancel ? sub.current_period_end : null;
    sub.canceled_at = cancel ? seconds() : null;
    sub.cancellation_details = { reason: cancel ? 'cancellation_requested' : null };
    return previous;
  };

  /** Moves the one item to another price; a change of interval starts a new period now. */
  const switchPrice = (sub: StripeDoubleSubscription, priceId: string) => {
    const price = priceObject(priceId);
    if (!price) throw noSuchPrice(priceId, 'items[0][price]');
    const item = sub.items.data[0]!;
    if (item.price.id === priceId) return undefined;
    const previous = { items: structuredClone(sub.items) };
    const changesInterval = item.price.recurring.interval !== price.recurring.interval;
    item.price = price;
    if (changesInterval) {
      const start = seconds();
      sub.billing_cycle_anchor = start;
      setPeriod(sub, start, stripePeriodEnd(start, price.recurring.interval));
    }
    return previous;
  };

  const requireCustomer = (id: string | undefined, param: string) => {
    if (id === undefined) return null;
    if (!customers.has(id)) {
      throw new StripeApiFailure(
        400,
        'invalid_request_error',
        `No such customer: '${id}'`,
        'resource_missing',
        param,
      );
    }
    return id;
  };

  // --- the REST API ---------------------------------------------------------

  type Route = [method: string, pattern: RegExp, answer: (params: StripeForm, id: string) => object];
  const found = <T>(value: T | undefined, what: string, id: string): T => {
    if (value === undefined) {
      throw new StripeApiFailure(
        404,
        'invalid_request_error',
        `No such ${what}: '${id}'`,
        'resource_missing',
        'id',
      );
    }
    return value;
  };
  const routes: Route[] = [
    [
      'POST',
      /^\/v1\/customers$/,
      (params) =>
        newCustomer({
          email: text(params.email),
          name: text(params.name),
          metadata: metadataParam(params.metadata),
        }),
    ],
    ['GET', /^\/v1\/customers\/([^/]+)$/, (_, id) => found(customers.get(id), 'customer', id)],
    [
      'POST',
      /^\/v1\/customers\/([^/]+)$/,
      (params, id) => {
        const customer = found(customers.get(id), 'customer', id);
        if (params.email !== undefined) customer.email = text(params.email) || null;
        if (params.name !== undefined) customer.name = text(params.name) || null;
        customer.metadata = mergeMetadata(customer.metadata, metadataParam(params.metadata));
        return customer;
      },
    ],
    [
      'POST',
      /^\/v1\/checkout\/sessions$/,
      (params) => {
        if (text(params.mode) !== 'subscription') {
          throw new StripeApiFailure(
            400,
            'invalid_request_error',
            'The Stripe double supports only `mode: subscription`.',
            'parameter_invalid_string',
            'mode',
          );
        }
        const successUrl = text(params.success_url);
        if (!successUrl) {
          throw new StripeApiFailure(
            400,
            'invalid_request_error',
            'Missing required param: success_url.',
            'parameter_missing',
            'success_url',
          );
        }
        const lines = Array.isArray(params.line_items) ? params.line_items : [];
        const first = lines[0];
        if (lines.length !== 1 || typeof first !== 'object' || Array.isArray(first)) {
          throw new StripeApiFailure(
            400,
            'invalid_request_error',
            'The Stripe double takes exactly one line item.',
            'parameter_missing',
            'line_items',
          );
        }
        const price = text(first.price) ?? '';
        if (!options.prices[price]) throw noSuchPrice(price, 'line_items[0][price]');
        const quantity = Number(text(first.quantity) ?? '1');
        if (!Number.isInteger(quantity) || quantity < 1) {
          throw new StripeApiFailure(
            400,
            'invalid_request_error',
            'Invalid integer: quantity',
            'parameter_invalid_integer',
            'line_items[0][quantity]',
          );
        }
        const created = seconds();
        const id = `cs_test_${stripeId(40)}`;
        const amount = options.prices[price]!.unitAmount * quantity;
        const subscriptionData = params.subscription_data;
        const session: StripeDoubleCheckoutSession = {
          id,
          object: 'checkout.session',
          url: `${double.url}/pay/${id}`,
          customer: requireCustomer(text(params.customer), 'customer'),
          customer_email: text(params.customer_email) ?? null,
          mode: 'subscription',
          status: 'open',
          payment_status: 'unpaid',
          client_reference_id: text(params.client_reference_id) ?? null,
          metadata: mergeMetadata({}, metadataParam(params.metadata)),
          subscription: null,
          invoice: null,
          success_url: successUrl,
          cancel_url: text(params.cancel_url) ?? null,
          amount_subtotal: amount,
          amount_total: amount,
          currency: 'usd',
          created,
          expires_at: created + 24 * 3600,
          livemode: false,
        };
        sessions.set(id, session);
        sessionLines.set(id, {
          price,
          quantity,
          subscriptionMetadata: mergeMetadata(
            {},
            isObject(subscriptionData) ? metadataParam(subscriptionData.metadata) : undefined,
          ),
        });
        return session;
      },
    ],
    [
      'GET',
      /^\/v1\/checkout\/sessions\/([^/]+)$/,
      (_, id) => found(sessions.get(id), 'checkout.session', id),
    ],
    [
      'POST',
      /^\/v1\/billing_portal\/sessions$/,
      (params) => {
        const customer = requireCustomer(text(params.customer), 'customer');
        if (!customer) {
          throw new StripeApiFailure(
            400,
            'invalid_request_error',
            'Missing required param: customer.',
            'parameter_missing',
            'customer',
          );
        }
        const id = `bps_${stripeId(24)}`;
        const portal: PortalSession = {
          id,
          object: 'billing_portal.session',
          url: `${double.url}/portal/${id}`,
          customer,
          return_url: text(params.return_url) ?? null,
          configuration: 'bpc_double',
          created: seconds(),
          livemode: false,
        };
        portals.set(id, portal);
        return portal;
      },
    ],
    ['GET', /^\/v1\/subscriptions\/([^/]+)$/, (_, id) => found(subscriptions.get(id), 'subscription', id)],
    [
      'POST',
      /^\/v1\/subscriptions\/([^/]+)$/,
      (params, id) => {
        const sub = found(subscriptions.get(id), 'subscription', id);
        const oldMetadata = { ...sub.metadata };
        sub.metadata = mergeMetadata(sub.metadata, metadataParam(params.metadata));
        const previous: Record<string, unknown> = {};
        if (JSON.stringify(oldMetadata) !== JSON.stringify(sub.metadata)) previous.metadata = oldMetadata;
        const cancel = text(params.cancel_at_period_end);
        const items = Array.isArray(params.items) ? params.items[0] : undefined;
        if (sub.status === 'canceled' && (cancel !== undefined || items !== undefined)) {
          throw new StripeApiFailure(
            400,
            'invalid_request_error',
            'A canceled subscription can only update its cancellation_details and metadata.',
          );
        }
        if (cancel !== undefined) Object.assign(previous, setCancelAtPeriodEnd(sub, cancel === 'true'));
        if (isObject(items) && text(items.price)) {
          Object.assign(previous, switchPrice(sub, text(items.price)!));
        }
        if (Object.keys(previous).length > 0) emit('customer.subscription.updated', sub, previous);
        return sub;
      },
    ],
    [
      'DELETE',
      /^\/v1\/subscriptions\/([^/]+)$/,
      (_, id) => {
        const sub = found(subscriptions.get(id), 'subscription', id);
        if (sub.status === 'canceled') {
          throw new StripeApiFailure(
            404,
            'invalid_request_error',
            `No such subscription: '${id}'`,
            'resource_missing',
            'id',
          );
        }
        cancelNow(sub);
        return sub;
      },
    ],
    ['GET', /^\/v1\/invoices\/([^/]+)$/, (_, id) => found(invoices.get(id), 'invoice', id)],
    ['GET', /^\/v1\/prices\/([^/]+)$/, (_, id) => found(priceObject(id), 'price', id)],
  ];

  /** Answers one API call with the object, or throws a StripeApiFailure. */
  const api = (method: string, url: URL, authorization: string | undefined, params: StripeForm): object => {
    const key = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!key) {
      throw new StripeApiFailure(
        401,
        'invalid_request_error',
        'You did not provide an API key. Provide it in the Authorization header (Bearer auth).',
        'api_key_missing',
      );
    }
    if (key !== secretKey) {
      throw new StripeApiFailure(
        401,
        'invalid_request_error',
        `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
        'invalid_api_key',
      );
    }
    for (const [routeMethod, pattern, answer] of routes) {
      const match = routeMethod === method ? pattern.exec(url.pathname) : null;
      if (!match) continue;
      const object = answer(params, decodeURIComponent(match[1] ?? ''));
      return expand(structuredClone(object), expandParam(params.expand), lookup);
    }
    throw unrecognized(method, url);
  };

  // --- hosted pages -----------------------------------------------------------

  const payPage = (session: StripeDoubleCheckoutSession): string => {
    const line = sessionLines.get(session.id)!;
    const price = priceObject(line.price)!;
    if (session.status !== 'open') {
      return htmlPage(
        'Checkout complete',
        '<h1>Checkout complete</h1><p>This checkout session is complete.</p>',
      );
    }
    const cancel = session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel</a></p>` : '';
    return htmlPage(
      `Subscribe to ${price.product}`,
      `<h1>Subscribe to ${escapeHtml(price.product)}</h1>
<p>${dollars(session.amount_total)} per ${price.recurring.interval}${line.quantity > 1 ? ` (${line.quantity} × ${dollars(price.unit_amount)})` : ''}</p>
<p>Price <code>${escapeHtml(price.id)}</code></p>
<form method="post" action="/pay/${encodeURIComponent(session.id)}"><button type="submit">Pay</button></form>
${cancel}`,
    );
  };

  const portalPage = (portal: PortalSession): string => {
    const subs = [...subscriptions.values()].filter(
      (s) => s.customer === portal.customer && s.status !== 'canceled',
    );
    const action = (verb: string) => `/portal/${encodeURIComponent(portal.id)}/${verb}`;
    const sections = subs.map((sub) => {
      const item = sub.items.data[0]!;
      const hidden = `<input type="hidden" name="subscription" value="${escapeHtml(sub.id)}">`;
      const ends = sub.cancel_at_period_end
        ? `Cancels on ${isoDate(sub.current_period_end)}`
        : `Renews on ${isoDate(sub.current_period_end)}`;
      const toggle = sub.cancel_at_period_end
        ? `<form method="post" action="${action('renew')}">${hidden}<button type="submit">Renew plan</button></form>`
        : `<form method="post" action="${action('cancel')}">${hidden}<button type="submit">Cancel plan</button></form>`;
      const switches = Object.keys(options.prices)
        .filter((id) => id !== item.price.id)
        .map(
          (id) =>
            `<form method="post" action="${action('switch')}">${hidden}<input type="hidden" name="price" value="${escapeHtml(id)}"><button type="submit">Switch to ${escapeHtml(id)}</button></form>`,
        )
        .join('\n');
      return `<section aria-label="Subscription ${escapeHtml(sub.id)}">
<h2>${escapeHtml(item.price.product)}</h2>
<p>${dollars(item.price.unit_amount * item.quantity)} per ${item.price.recurring.interval}, price <code>${escapeHtml(item.price.id)}</code></p>
<p>Status: ${escapeHtml(sub.status)}. ${ends}.</p>
${toggle}
${switches}
</section>`;
    });
    const back = portal.return_url ? `<p><a href="${escapeHtml(portal.return_url)}">Return</a></p>` : '';
    return htmlPage(
      'Manage your plan',
      `<h1>Manage your plan</h1>\n${sections.join('\n') || '<p>No active subscriptions.</p>'}\n${back}`,
    );
  };

  /** The pages a browser sees; undefined for any other path. */
  const pages = async (method: string, url: URL, body: string): Promise<PageAnswer | undefined> => {
    const payPath = /^\/pay\/([^/]+)$/.exec(url.pathname);
    if (payPath) {
      const session = sessions.get(decodeURIComponent(payPath[1]!));
      if (!session) return { status: 404, html: htmlPage('Not found', '<h1>No such checkout session</h1>') };
      if (method === 'GET') return { status: 200, html: payPage(session) };
      if (method !== 'POST') return { status: 405, html: htmlPage('Not allowed', '<h1>Not allowed</h1>') };
      if (session.status !== 'open') {
        return {
          status: 409,
          html: htmlPage('Already paid', '<h1>This checkout session is no longer open</h1>'),
        };
      }
      return { status: 303, location: await pay(session.id) };
    }
    const portalPath = /^\/portal\/([^/]+)(?:\/(cancel|renew|switch))?$/.exec(url.pathname);
    if (portalPath) {
      const portal = portals.get(decodeURIComponent(portalPath[1]!));
      if (!portal) return { status: 404, html: htmlPage('Not found', '<h1>No such portal session</h1>') };
      const verb = portalPath[2];
      if (!verb && method === 'GET') return { status: 200, html: portalPage(portal) };
      if (!verb || method !== 'POST')
        return { status: 405, html: htmlPage('Not allowed', '<h1>Not allowed</h1>') };
      const form = new URLSearchParams(body);
      const sub = subscriptions.get(form.get('subscription') ?? '');
      if (!sub || sub.customer !== portal.customer || sub.status === 'canceled') {
        return { status: 404, html: htmlPage('Not found', '<h1>No such subscription</h1>') };
      }
      const previous =
        verb === 'switch'
          ? switchPrice(sub, form.get('price') ?? '')
          : setCancelAtPeriodEnd(sub, verb === 'cancel');
      if (previous) await emit('customer.subscription.updated', sub, previous).done;
      return { status: 303, location: `/portal/${encodeURIComponent(portal.id)}` };
    }
    return undefined;
  };

  // --- the server -------------------------------------------------------------

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', double.url);
    const method = request.method ?? 'GET';
    if (!url.pathname.startsWith('/v1/')) {
      const page = await pages(method, url, body);
      if (page?.location) {
        response.writeHead(page.status, { location: page.location });
        response.end();
      } else if (page) {
        response.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8' });
        response.end(page.html);
      } else {
        respond(response, 404, errorBody(unrecognized(method, url)));
      }
      return;
    }
    // The SDK sends an Idempotency-Key with each POST and retries with the same one.
    const replayKey =
      method === 'POST' && typeof request.headers['idempotency-key'] === 'string'
        ? `${request.headers.authorization} ${request.headers['idempotency-key']}`
        : null;
    const replayed = replayKey ? idempotent.get(replayKey) : undefined;
    if (replayed) {
      respond(response, replayed.status, replayed.body, { 'idempotent-replayed': 'true' });
      return;
    }
    const params = parseStripeForm(method === 'POST' ? body : url.search.slice(1));
    let status = 200;
    let answer: string;
    try {
      answer = JSON.stringify(api(method, url, request.headers.authorization, params), null, 2);
    } catch (error) {
      if (!(error instanceof StripeApiFailure)) throw error;
      status = error.status;
      answer = errorBody(error);
    }
    double.requests.push({ method, path: url.pathname, params, status });
    if (replayKey && status !== 401) idempotent.set(replayKey, { status, body: answer });
    respond(response, status, answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      respond(response, 500, errorBody(new StripeApiFailure(500, 'api_error', String(error))));
    });
  });
  const { url, stop } = await listenLocal(server);

  const double: StripeDouble = {
    url,
    secretKey,
    webhookSecret,
    env: { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_URL: url },
    get webhookUrl() {
      return webhookUrl;
    },
    set webhookUrl(value: string | null) {
      webhookUrl = value === null ? null : loopbackOnly(value);
    },
    holdWebhooks: false,
    held: [],
    events: [],
    requests: [],
    sdk: () => new Stripe(secretKey, { host: '127.0.0.1', port: new URL(url).port, protocol: 'http' }),
    customer: (id) => customers.get(id),
    checkoutSession: (id) => sessions.get(id),
    subscription: (id) => subscriptions.get(id),
    invoice: (id) => invoices.get(id),
    pay,
    resend: (eventId) => {
      const sent = double.events.find((d) => d.event.id === eventId && !d.forged);
      if (!sent) throw new Error(`the Stripe double never sent event ${eventId}`);
      return enqueue(sent.event);
    },
    deliver: (event) => enqueue(event),
    release: async (order = 'as-is') => {
      const events = double.held.splice(0);
      if (order === 'reverse') events.reverse();
      const deliveries: StripeDelivery[] = [];
      for (const event of events) deliveries.push(await enqueue(event));
      return deliveries;
    },
    renew: async (subscriptionId) => {
      const sub = liveSubscription(subscriptionId);
      if (sub.cancel_at_period_end) {
        sub.canceled_at ??= seconds();
        sub.status = 'canceled';
        sub.ended_at = sub.current_period_end;
        return emitAll([['customer.subscription.deleted', sub]]);
      }
      const previous = periodAttributes(sub);
      const open = sub.latest_invoice ? invoices.get(sub.latest_invoice) : undefined;
      let invoice: StripeDoubleInvoice;
      if (sub.status === 'past_due' && open?.status === 'open') {
        open.status = 'paid';
        open.amount_paid = open.amount_due;
        open.amount_remaining = 0;
        open.attempt_count += 1;
        open.status_transitions.paid_at = seconds();
        invoice = open;
      } else {
        nextPeriod(sub);
        invoice = newInvoice(sub, true, 'subscription_cycle');
      }
      sub.status = 'active';
      return emitAll([
        ['invoice.paid', invoice],
        ['customer.subscription.updated', sub, changed(previous, periodAttributes(sub))],
      ]);
    },
    failPayment: async (subscriptionId) => {
      const sub = liveSubscription(subscriptionId);
      const previous = periodAttributes(sub);
      const open = sub.latest_invoice ? invoices.get(sub.latest_invoice) : undefined;
      let invoice: StripeDoubleInvoice;
      if (sub.status === 'past_due' && open?.status === 'open') {
        open.attempt_count += 1;
        invoice = open;
      } else {
        nextPeriod(sub);
        invoice = newInvoice(sub, false, 'subscription_cycle');
      }
      sub.status = 'past_due';
      return emitAll([
        ['invoice.payment_failed', invoice],
        ['customer.subscription.updated', sub, changed(previous, periodAttributes(sub))],
      ]);
    },
    cancelNow: async (subscriptionId) => {
      const { event, done } = cancelNow(liveSubscription(subscriptionId));
      await done;
      return [event];
    },
    sendForged: (type, object) =>
      enqueue(makeEvent(type, object ?? [...subscriptions.values()].at(-1) ?? {}), true),
    idle: async () => {
      let seen: Promise<unknown> | undefined;
      while (seen !== chain) {
        seen = chain;
        await seen;
      }
    },
    close: async () => {
      await double.idle();
      await stop();
    },
  };
  return double;
}

// --- helpers --------------------------------------------------------------------

type FormValue = string | FormValue[] | StripeForm;
/** A form body decoded from Stripe's bracket notation (`a[b][0][c]=v`). */
export interface StripeForm {
  [key: string]: FormValue | undefined;
}

/**
 * Decodes a form body the way Stripe reads it: `metadata[owner_id]=1` is an object,
 * `line_items[0][price]=p` an array of objects, `expand[]=x` an appended element.
 */
export function parseStripeForm(body: string): StripeForm {
  const root: StripeForm = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const path = match ? [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)] : [key];
    setPath(root, path, value);
  }
  return root;
}

function setPath(root: StripeForm, path: string[], value: string): void {
  let node: StripeForm | FormValue[] = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (segment === '__proto__') return;
    let key = segment;
    if (Array.isArray(node)) {
      if (segment === '') key = String(node.length);
      else if (!/^\d+$/.test(segment)) return;
    }
    const bag = node as Record<string, FormValue | undefined>;
    if (i === path.length - 1) {
      bag[key] = value;
      return;
    }
    let child = bag[key];
    if (typeof child !== 'object') {
      child = /^\d*$/.test(path[i + 1]!) ? [] : {};
      bag[key] = child;
    }
    node = child;
  }
}

function text(value: FormValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isObject(value: FormValue | undefined): value is StripeForm {
  return typeof value === 'object' && !Array.isArray(value);
}

/** `metadata[k]=v` pairs; an empty value unsets the key, as with Stripe. */
function metadataParam(value: FormValue | undefined): Metadata | undefined {
  if (!isObject(value)) return undefined;
  const metadata: Metadata = {};
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') metadata[key] = v;
  return metadata;
}

function mergeMetadata(current: Metadata, update: Metadata | undefined): Metadata {
  const merged = { ...current };
  for (const [key, value] of Object.entries(update ?? {})) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function expandParam(value: FormValue | undefined): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** Replaces the ids at each dotted path with the objects they name, as `expand[]` does. */
function expand(object: object, paths: string[], lookup: (id: string) => object | undefined): object {
  for (const path of paths) {
    let node = object as Record<string, unknown>;
    const segments = path.split('.');
    for (let i = 0; i < segments.length; i++) {
      const key = segments[i]!;
      let value = node[key];
      if (typeof value === 'string') {
        const target = lookup(value);
        if (!target) break;
        value = structuredClone(target);
        node[key] = value;
      }
      if (!value || typeof value !== 'object') break;
      node = value as Record<string, unknown>;
    }
  }
  return object;
}

/** The URL, if it is on this machine: the double never calls out. */
function loopbackOnly(url: string): string {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) {
    throw new Error(`the Stripe double sends webhooks to loopback only, not ${url}`);
  }
  return url;
}

interface PageAnswer {
  status: number;
  html?: string;
  location?: string;
}

function respond(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${stripeId(14)}`,
    ...headers,
  });
  response.end(body);
}

/** Stripe's error shape: `{error: {type, message, code, param}}`. */
function errorBody(failure: StripeApiFailure): string {
  const { type, message, code, param } = failure;
  return JSON.stringify({ error: { type, message, ...(code ? { code } : {}), ...(param ? { param } : {}) } });
}

function unrecognized(method: string, url: URL): StripeApiFailure {
  return new StripeApiFailure(
    404,
    'invalid_request_error',
    `Unrecognized request URL (${method}: ${url.pathname}).`,
    'resource_missing',
  );
}

function noSuchPrice(id: string, param: string): StripeApiFailure {
  return new StripeApiFailure(
    400,
    'invalid_request_error',
    `No such price: '${id}'`,
    'resource_missing',
    param,
  );
}

/** The attributes in `before` that differ from `after`: an event's `previous_attributes`. */
function changed(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(before).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(after[key])),
  );
}

/**
 * The end of the `periods`-th period from a billing cycle anchor: the anchor's day of the
 * month where the month has it, else the month's last day (Jan 31 → Feb 28 → Mar 31), as
 * Stripe bills.
 */
export function stripePeriodEnd(anchor: number, interval: 'month' | 'year', periods = 1): number {
  const date = new Date(anchor * 1000);
  const months = (interval === 'month' ? 1 : 12) * periods;
  const target = new Date(
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() + months,
      1,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return Math.floor(target.getTime() / 1000);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Letters and digits, as Stripe's ids are. */
function stripeId(length: number): string {
  return [...randomBytes(length)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

function isoDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} — Stripe (test double)</title></head>
<body><main>
${body}
</main></body>
</html>`;
}
