'use server';

import { redirect } from 'next/navigation';
import type { BillingInterval, PaidPlan } from '../../billing/billing';
import { ownerOfForm } from '../../server/auth';
import { type FormState, formResult, text } from '../../server/form-state';
import { services } from '../../server/services';

const PAID = new Set(['pro', 'business']);
const INTERVALS = new Set(['month', 'year']);

/** To Stripe: Checkout for a first subscription, the Customer Portal once there is one. */
export async function subscribe(_state: FormState, form: FormData): Promise<FormState> {
  let url = '';
  const result = await formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { billing } = await services();
    if (!billing) return { errors: { _form: 'Billing is not configured on this dashboard.' } };
    const [plan, interval] = text(form, 'decision').split(':');
    if (!PAID.has(plan ?? '') || !INTERVALS.has(interval ?? ''))
      return { errors: { _form: 'Choose a plan.' } };
    url = await billing.checkout(owner, plan as PaidPlan, interval as BillingInterval);
    return undefined;
  });
  if (result) return result;
  redirect(url);
}

export async function manageBilling(_state: FormState, form: FormData): Promise<FormState> {
  let url = '';
  const result = await formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { billing } = await services();
    if (!billing) return { errors: { _form: 'Billing is not configured on this dashboard.' } };
    url = await billing.portal(owner);
    return undefined;
  });
  if (result) return result;
  redirect(url);
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
