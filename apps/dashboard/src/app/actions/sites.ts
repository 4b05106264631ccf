'use server';

import { SETTING_SPECS, settingText } from '@threadkit/core';
import { redirect } from 'next/navigation';
import { ownerOfForm } from '../../server/auth';
import { EDITABLE_SETTINGS } from '../../server/editable-settings';
import { type FormState, formResult, text } from '../../server/form-state';
import { services } from '../../server/services';

const originsOf = (form: FormData) =>
  text(form, 'allowed_origins')
    .split(/[\s,]+/)
    .filter(Boolean);

export async function createSite(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { site, secretKey } = await (await services()).sites.create(owner, {
      name: text(form, 'name'),
      domain: text(form, 'domain'),
      allowedOrigins: originsOf(form),
    });
    return {
      notice: `${site.name} is ready.`,
      secret: secretKey,
      next: { href: `/sites/${site.id}`, label: `Embed ${site.name}` },
    };
  });
}

export async function describeSite(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    await (await services()).sites.describe(owner.id, text(form, 'site'), {
      name: text(form, 'name'),
      domain: text(form, 'domain'),
      allowedOrigins: originsOf(form),
    });
    return { notice: 'Saved.' };
  });
}

export async function changeSettings(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { sites } = await services();
    const site = await sites.get(owner.id, text(form, 'site'));
    // Only what changed: an untouched secret setting (shown empty) stays as it is.
    const changes: Record<string, string> = {};
    for (const name of EDITABLE_SETTINGS) {
      if (!form.has(name)) continue;
      // A flag's box comes after its hidden `off`: the last value is what the owner left.
      const values = form.getAll(name);
      const last = values.at(-1);
      const posted = (typeof last === 'string' ? last : '').trim();
      if (SETTING_SPECS[name].secret && posted === '') continue;
      if (posted !== settingText(site.settings[name])) changes[name] = posted;
    }
    if (Object.keys(changes).length === 0) return { notice: 'Nothing changed.' };
    await sites.changeSettings(owner.id, site.id, changes);
    return { notice: 'Saved.' };
  });
}

export async function rotateKeys(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    if (text(form, 'confirm') !== 'yes')
      return {
        errors: { confirm: 'Tick the box: every page with the old public key stops loading comments.' },
      };
    const { secretKey } = await (await services()).sites.rotateKeys(owner.id, text(form, 'site'));
    return { notice: 'New keys are in place; the old ones stop working within seconds.', secret: secretKey };
  });
}

export async function deleteSite(_state: FormState, form: FormData): Promise<FormState> {
  const result = await formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { sites, removeSiteData } = await services();
    await sites.delete(owner.id, text(form, 'site'), text(form, 'confirmation'), (site) =>
      removeSiteData(owner.id, site),
    );
    return undefined;
  });
  if (result) return result;
  redirect('/sites');
}

export async function inviteOwner(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const invitation = await (await services()).invitations.invite(owner, text(form, 'site'), {
      email: text(form, 'email'),
    });
    return { notice: `An invitation is on its way to ${invitation.email}.` };
  });
}

export async function removeOwner(form: FormData): Promise<void> {
  const { owner } = await ownerOfForm(form);
  const site = text(form, 'site');
  await (await services()).sites.removeOwner(owner.id, site, text(form, 'owner'));
  redirect(text(form, 'owner') === owner.id ? '/sites' : `/sites/${site}`);
}

export async function acceptInvitation(_state: FormState, form: FormData): Promise<FormState> {
  const result = await formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const siteId = await (await services()).invitations.accept(owner, text(form, 'token'));
    return { next: { href: `/sites/${siteId}`, label: 'Open the site' } };
  });
  if (result?.errors?.token) return { errors: { _form: result.errors.token } };
  if (result?.next) redirect(result.next.href);
  return result;
}
