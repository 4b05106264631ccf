'use server';

import { redirect } from 'next/navigation';
import type { Billing, BillingInterval, PaidPlan } from '../../billing/billing';
import type { Owner } from '../../owners/sessions';
import { ownerOfForm } from '../../server/auth';
import { type FormState, formResult, text } from '../../server/form-state';
import { services } from '../../server/services';

const PAID = new Set(['pro', 'business']);
const INTERVALS = new Set(['month', 'year']);

/**
 * Sends the owner to a Stripe page, the address `to` gives (with billing on); a problem is
 * shown on the form instead. Stripe's pages are elsewhere, hence the redirect after the work.
 */
async function toStripe(
  form: FormData,
  to: (billing: Billing, owner: Owner) => Promise<string | FormState>,
): Promise<FormState> {
  let url = '';
  const result = await formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { billing } = await services();
    if (!billing) return { errors: { _form: 'Billing is not configured on this dashboard.' } };
    const answer = await to(billing, owner);
    if (typeof answer !== 'string') return answer;
    url = answer;
    return undefined;
  });
  if (result) return result;
  redirect(url);
}

/** Checkout for a first subscription, the Customer Portal once there is one. */
export async function subscribe(_state: FormState, form: FormData): Promise<FormState> {
  return toStripe(form, (billing, owner) => {
    const [plan, interval] = text(form, 'decision').split(':');
    if (!PAID.has(plan ?? '') || !INTERVALS.has(interval ?? ''))
      return Promise.resolve({ errors: { _form: 'Choose a plan.' } });
    return billing.checkout(owner, plan as PaidPlan, interval as BillingInterval);
  });
}

export async function manageBilling(_state: FormState, form: FormData): Promise<FormState> {
  return toStripe(form, (billing, owner) => billing.portal(owner));
}

/** Which of the sites an owner pays for keep taking comments, when the plan has room for fewer. */
export async function chooseOpenSites(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const chosen = form.getAll('open').filter((value): value is string => typeof value === 'string');
    await (await services()).plans.chooseWritable(owner.id, chosen);
    return { notice: 'Saved: the comment servers follow within seconds.' };
  });
}
