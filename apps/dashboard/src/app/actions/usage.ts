'use server';

import { ownerOfForm } from '../../server/auth';
import { type FormState, formResult } from '../../server/form-state';
import { services } from '../../server/services';

/** Copies the figures of the owner's sites now, rather than at the next hourly run. */
export async function refreshUsage(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { usageSync, sites } = await services();
    if (!usageSync) return { errors: { _form: 'The usage sync is not configured (REDIS_URL).' } };
    const own = new Set((await sites.list(owner.id)).map((site) => site.id));
    const asked = form.getAll('site').filter((id): id is string => typeof id === 'string' && own.has(id));
    await usageSync.syncSites(asked);
    return { notice: 'Figures are up to date.' };
  });
}
