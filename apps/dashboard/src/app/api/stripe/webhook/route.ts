import { services } from '../../../../server/services';

/** Stripe's webhooks (src/billing/billing.ts): the raw body, as its signature covers it. */
export async function POST(request: Request): Promise<Response> {
  const { billing } = await services();
  if (!billing) return new Response('Billing is not configured.', { status: 404 });
  const answer = await billing.receive(await request.text(), request.headers.get('stripe-signature'));
  return new Response(answer.body, { status: answer.status });
}

export const dynamic = 'force-dynamic';
