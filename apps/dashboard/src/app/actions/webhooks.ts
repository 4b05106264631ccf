'use server';

import { ThreadKitError, WEBHOOK_EVENTS } from '@threadkit/core';
import { revalidatePath } from 'next/cache';
import { ownerOfForm } from '../../server/auth';
import { type FormState, formResult, text } from '../../server/form-state';
import { services } from '../../server/services';

/**
 * The site a webhook form is about, its owner's right to it checked, and the
 * comment server's API as that owner. Every endpoint lives on the comment
 * server; the dashboard keeps none of it.
 */
async function webhooksOf(form: FormData) {
  const { owner } = await ownerOfForm(form);
  const { sites, commentServer } = await services();
  const site = await sites.get(owner.id, text(form, 'site'));
  if (!commentServer)
    throw new ThreadKitError('unavailable', 'Webhooks need INTERNAL_API_SECRET on the dashboard.');
  return {
    admin: commentServer.asOwner(owner.id, site),
    refresh: () => revalidatePath(`/sites/${site.id}/webhooks`),
  };
}

export async function addWebhook(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { admin, refresh } = await webhooksOf(form);
    const url = text(form, 'url').trim();
    const events = form.getAll('events').filter((v): v is string => typeof v === 'string');
    const errors: Record<string, string> = {};
    if (!url) errors.url = 'Give the address deliveries are sent to.';
    if (events.length === 0) errors.events = 'Tick at least one event.';
    else if (events.some((event) => !(WEBHOOK_EVENTS as readonly string[]).includes(event)))
      errors.events = 'Tick events from the list.';
    if (Object.keys(errors).length > 0) return { errors };
    const endpoint = await admin.addWebhook({ url, events });
    refresh();
    return { notice: `Deliveries go to ${endpoint.url} from now on.`, signingSecret: endpoint.secret };
  });
}

export async function rotateWebhookSecret(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { admin } = await webhooksOf(form);
    if (text(form, 'confirm') !== 'yes')
      return { errors: { confirm: 'Tick the box: the receiver needs the new secret at once.' } };
    const endpoint = await admin.rotateWebhookSecret(text(form, 'webhook'));
    return {
      notice: 'A new secret signs every delivery from now on, retries included.',
      signingSecret: endpoint.secret,
    };
  });
}

export async function testWebhook(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { admin } = await webhooksOf(form);
    const { delivery_id } = await admin.testWebhook(text(form, 'webhook'));
    return { notice: `A ping is on its way (delivery ${delivery_id}); reload to see it in the log.` };
  });
}

/** Disables an endpoint, or enables it again (which also clears its failure count). */
export async function switchWebhook(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { admin, refresh } = await webhooksOf(form);
    const enabled = text(form, 'decision') === 'enable';
    await admin.setWebhookEnabled(text(form, 'webhook'), enabled);
    refresh();
    return { notice: enabled ? 'Enabled: new events are sent again.' : 'Disabled: nothing is sent to it.' };
  });
}

export async function removeWebhook(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { admin, refresh } = await webhooksOf(form);
    if (text(form, 'confirm') !== 'yes')
      return { errors: { confirm: 'Tick the box: the endpoint and its log go for good.' } };
    await admin.removeWebhook(text(form, 'webhook'));
    refresh();
    return { notice: 'Removed.' };
  });
}
