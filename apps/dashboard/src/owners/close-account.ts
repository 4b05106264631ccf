import { invalid } from '@threadkit/core';
import type { Sites, SiteView } from '../sites/sites';
import type { OwnerAccounts } from './accounts';
import type { Owner } from './sessions';

/** What an owner types to close their account, besides their password. */
export const CLOSING_PHRASE = 'delete my account';

/**
 * Closes an owner's account: the sites they own alone are deleted (each with
 * its comment data, through `removeData`, as when they delete one by hand),
 * they leave the sites they share, and their sessions, tokens and sign-in
 * identities go with the account. A failed purge stops it before the account
 * goes, so the owner can try again and nothing is left without an owner.
 */
export async function closeAccount(
  deps: {
    accounts: OwnerAccounts;
    sites: Sites;
    removeData: (ownerId: string, site: SiteView) => Promise<void>;
  },
  owner: Owner,
  input: { password: string; confirmation: string },
): Promise<{ deletedSites: string[] }> {
  await deps.accounts.requirePassword(owner, input.password, 'password');
  if (input.confirmation.trim().toLowerCase() !== CLOSING_PHRASE)
    throw invalid('confirmation', `Type “${CLOSING_PHRASE}” to close the account.`);
  const deletedSites: string[] = [];
  for (const siteId of await deps.sites.ownedAlone(owner.id)) {
    const site = await deps.sites.get(owner.id, siteId);
    await deps.sites.delete(owner.id, siteId, site.name, (doomed) => deps.removeData(owner.id, doomed));
    deletedSites.push(site.name);
  }
  await deps.accounts.remove(owner.id);
  return { deletedSites };
}
