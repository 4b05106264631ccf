import { ThreadKitError } from '@threadkit/core';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerPlans } from '../billing/plans';
import type { DatabaseHandle } from '../db/database';
import { ownerSessions, owners, siteOwners, sites as sitesTable } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { Sites, type SiteView } from '../sites/sites';
import { mailForFile, refusal } from '../test-support';
import { OwnerAccounts } from './accounts';
import { CLOSING_PHRASE, closeAccount } from './close-account';

const engines = databaseEngines();
const mail = mailForFile();
const PASSWORD = 'correct horse battery staple';
const client = { ip: '203.0.113.9', userAgent: 'test' };

describe.each(engines)('closing an account on $name', (engine) => {
  let handle: DatabaseHandle;
  let accounts: OwnerAccounts;
  let sites: Sites;
  /** The sites whose data the comment server was asked to purge, in order. */
  let purged: string[];
  let failPurge: boolean;
  const removeData = async (_ownerId: string, site: SiteView) => {
    if (failPurge) throw new ThreadKitError('unavailable', 'The comment server is not answering.');
    purged.push(site.name);
  };

  beforeAll(async () => {
    handle = await engine.open('closing');
    accounts = new OwnerAccounts({
      db: handle.db,
      mailer: mail.mailer,
      link: (path) => `https://dashboard.test${path}`,
      onMailError: () => {},
    });
    sites = new Sites(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
  });

  const verifiedOwner = async (email: string) => {
    const { owner } = await accounts.signUp(
      { email, password: PASSWORD, name: email.split('@')[0]! },
      client,
    );
    const [verified] = await handle.db
      .update(owners)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(owners.id, owner.id))
      .returning();
    await new OwnerPlans(handle.db).grant(owner.id, 'pro');
    return verified!;
  };

  it('deletes the sites owned alone with their data, leaves shared ones, and removes the account', async () => {
    purged = [];
    failPurge = false;
    const ada = await verifiedOwner(`ada.${engine.name}@example.com`);
    const bob = await verifiedOwner(`bob.${engine.name}@example.com`);
    const solo = (await sites.create(ada, { name: 'Solo', domain: 'solo.example' })).site;
    const shared = (await sites.create(ada, { name: 'Shared', domain: 'shared.example' })).site;
    await sites.addOwner(shared.id, bob.id);

    expect(
      (
        await refusal(
          closeAccount({ accounts, sites, removeData }, ada, {
            password: 'wrong',
            confirmation: CLOSING_PHRASE,
          }),
        )
      ).field,
    ).toBe('password');
    expect(
      (
        await refusal(
          closeAccount({ accounts, sites, removeData }, ada, { password: PASSWORD, confirmation: 'yes' }),
        )
      ).field,
    ).toBe('confirmation');
    expect(purged).toEqual([]);

    const { deletedSites } = await closeAccount({ accounts, sites, removeData }, ada, {
      password: PASSWORD,
      confirmation: ' Delete my account ',
    });
    expect(deletedSites).toEqual(['Solo']);
    expect(purged).toEqual(['Solo']);
    const left = await handle.db.select({ id: sitesTable.id }).from(sitesTable);
    expect(left.map((s) => s.id)).not.toContain(solo.id);
    expect(left.map((s) => s.id)).toContain(shared.id);
    expect(await sites.owners(bob.id, shared.id)).toEqual([expect.objectContaining({ id: bob.id })]);
    expect(await handle.db.select().from(owners).where(eq(owners.id, ada.id))).toEqual([]);
    expect(await handle.db.select().from(ownerSessions).where(eq(ownerSessions.ownerId, ada.id))).toEqual([]);
    expect(await handle.db.select().from(siteOwners).where(eq(siteOwners.ownerId, ada.id))).toEqual([]);
  });

  it('keeps the account and its site when the comment server cannot purge the site', async () => {
    purged = [];
    failPurge = true;
    const cy = await verifiedOwner(`cy.${engine.name}@example.com`);
    const kept = (await sites.create(cy, { name: 'Kept', domain: 'kept.example' })).site;
    const error = await refusal(
      closeAccount({ accounts, sites, removeData }, cy, { password: PASSWORD, confirmation: CLOSING_PHRASE }),
    );
    expect(error.code).toBe('unavailable');
    expect((await sites.get(cy.id, kept.id)).name).toBe('Kept');
    expect(await handle.db.select({ id: owners.id }).from(owners).where(eq(owners.id, cy.id))).toHaveLength(
      1,
    );
  });
});
