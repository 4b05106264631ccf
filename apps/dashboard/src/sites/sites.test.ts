import { DEFAULT_SETTINGS, hashApiKey } from '@threadkit/core';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database';
import { owners, sites as sitesTable } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import type { Owner } from '../owners/sessions';
import { linkTokenIn, mailForFile, refusal } from '../test-support';
import { INVITATION_LIFETIME_MS, Invitations } from './invitations';
import { SettingsProblems, Sites } from './sites';

const engines = databaseEngines();

const mail = mailForFile();

describe.each(engines)('sites on $name', (engine) => {
  let handle: DatabaseHandle;
  let sites: Sites;
  let invitations: Invitations;
  let now: number;
  let run = 0;
  const ownerCalled = async (who: string, verified = true): Promise<Owner> => {
    const [owner] = await handle.db
      .insert(owners)
      .values({
        id: `${who}-${engine.name}-${run}`,
        email: `${who}.${engine.name}.${run}@example.com`,
        name: who,
        emailVerifiedAt: verified ? new Date(now) : null,
      })
      .returning();
    return owner!;
  };

  beforeAll(async () => {
    handle = await engine.open('sites');
  });
  afterAll(async () => {
    await handle?.close();
  });
  beforeEach(() => {
    run++;
    now = Date.UTC(2026, 0, 1);
    sites = new Sites(handle.db, () => now);
    invitations = new Invitations({
      db: handle.db,
      sites,
      mailer: mail.mailer,
      link: (path) => `https://dashboard.test${path}`,
      now: () => now,
    });
  });

  it('creates a site for a verified owner, keeps only a digest of its secret key, and knows both keys', async () => {
    const ada = await ownerCalled('ada');
    const { site, secretKey } = await sites.create(ada, {
      name: '  My   blog ',
      domain: 'https://Blog.Example.com/',
      allowedOrigins: ['https://blog.example.com', 'https://blog.example.com', '*.example.com'],
    });
    expect(site).toMatchObject({
      name: 'My blog',
      domain: 'blog.example.com',
      allowedOrigins: ['https://blog.example.com', '*.example.com'],
      settings: { ...DEFAULT_SETTINGS, allowed_origins: ['https://blog.example.com', '*.example.com'] },
    });
    expect(site.publicKey).toMatch(/^tk_pub_/);
    expect(secretKey).toMatch(/^tk_sec_/);
    const [stored] = await handle.db.select().from(sitesTable).where(eq(sitesTable.id, site.id));
    expect(JSON.stringify(stored)).not.toContain(secretKey);
    expect(stored?.secretKeyHash).toBe(hashApiKey(secretKey));

    expect(await sites.verifyKey(site.publicKey)).toMatchObject({ siteId: site.id, kind: 'public' });
    expect(await sites.verifyKey(secretKey)).toMatchObject({
      siteId: site.id,
      kind: 'secret',
      name: 'My blog',
    });
    expect(await sites.verifyKey('tk_pub_unknown')).toBeNull();
    expect(await sites.verifyKey('not a key')).toBeNull();
    expect(await sites.list(ada.id)).toEqual([site]);
  });

  it('asks an unverified owner to confirm their address first, and checks name, domain and origins', async () => {
    const unverified = await ownerCalled('new', false);
    expect((await refusal(sites.create(unverified, { name: 'S', domain: 'example.com' }))).code).toBe(
      'forbidden',
    );
    const ada = await ownerCalled('ada');
    const fields = async (input: { name: string; domain: string; allowedOrigins?: string[] }) =>
      (await refusal(sites.create(ada, input))).field;
    expect(await fields({ name: ' ', domain: 'example.com' })).toBe('name');
    expect(await fields({ name: 'S', domain: 'not a domain' })).toBe('domain');
    expect(await fields({ name: 'S', domain: 'example.com', allowedOrigins: ['ftp://x y'] })).toBe(
      'allowed_origins',
    );
  });

  it("answers another owner's site as one that does not exist, for every method", async () => {
    const ada = await ownerCalled('ada');
    const eve = await ownerCalled('eve');
    const { site } = await sites.create(ada, { name: 'Ada', domain: 'ada.example' });
    const attempts = [
      () => sites.get(eve.id, site.id),
      () => sites.describe(eve.id, site.id, { name: 'Mine', domain: 'eve.example', allowedOrigins: [] }),
      () => sites.changeSettings(eve.id, site.id, { moderation: 'pre' }),
      () => sites.rotateKeys(eve.id, site.id),
      () => sites.delete(eve.id, site.id, 'Ada'),
      () => sites.owners(eve.id, site.id),
      () => sites.removeOwner(eve.id, site.id, ada.id),
      () => invitations.invite(eve, site.id, { email: 'friend@example.com' }),
      () => invitations.pending(eve.id, site.id),
    ];
    for (const attempt of attempts) {
      const error = await refusal(attempt());
      expect([error.code, error.message]).toEqual(['not_found', 'Site not found.']);
    }
    expect(await sites.get(ada.id, site.id)).toMatchObject({ name: 'Ada', settings: { moderation: 'none' } });
  });

  it('changes settings from their text form, reporting every bad field at once and saving nothing then', async () => {
    const ada = await ownerCalled('ada');
    const { site } = await sites.create(ada, { name: 'Ada', domain: 'ada.example' });
    const changed = await sites.changeSettings(ada.id, site.id, { moderation: 'pre', allow_guests: 'off' });
    expect(changed.settings).toMatchObject({ moderation: 'pre', allow_guests: false });

    const error = await refusal(
      sites.changeSettings(ada.id, site.id, { moderation: 'sometimes', allow_guests: 'on', no_such: '1' }),
    );
    expect(error).toBeInstanceOf(SettingsProblems);
    expect((error as SettingsProblems).problems.map((p) => p.field)).toEqual(['moderation', 'no_such']);
    expect((await sites.get(ada.id, site.id)).settings).toMatchObject({
      moderation: 'pre',
      allow_guests: false,
    });

    // Back to the default: nothing stored, so a later change of the default reaches the site.
    await sites.changeSettings(ada.id, site.id, { moderation: 'none' });
    const [stored] = await handle.db.select().from(sitesTable).where(eq(sitesTable.id, site.id));
    expect(stored?.settings).toEqual({ allow_guests: false });
  });

  it('rotates keys: the old ones are no key at all, the new ones are the site', async () => {
    const ada = await ownerCalled('ada');
    const { site, secretKey } = await sites.create(ada, { name: 'Ada', domain: 'ada.example' });
    now += 1000;
    const rotated = await sites.rotateKeys(ada.id, site.id);
    expect(await sites.verifyKey(site.publicKey)).toBeNull();
    expect(await sites.verifyKey(secretKey)).toBeNull();
    expect(await sites.verifyKey(rotated.site.publicKey)).toMatchObject({ siteId: site.id });
    expect(await sites.verifyKey(rotated.secretKey)).toMatchObject({ siteId: site.id, kind: 'secret' });
    expect(rotated.site.keysRotatedAt).toEqual(new Date(now));
  });

  it('deletes a site only with its name typed again', async () => {
    const ada = await ownerCalled('ada');
    const { site } = await sites.create(ada, { name: 'Ada blog', domain: 'ada.example' });
    expect((await refusal(sites.delete(ada.id, site.id, 'Ada'))).field).toBe('confirmation');
    await sites.delete(ada.id, site.id, ' Ada blog ');
    expect(await sites.list(ada.id)).toEqual([]);
    expect(await sites.verifyKey(site.publicKey)).toBeNull();
  });

  it('invites a co-owner who accepts with the invited address only, and never removes the last owner', async () => {
    const ada = await ownerCalled('ada');
    const bob = await ownerCalled('bob');
    const eve = await ownerCalled('eve');
    const { site } = await sites.create(ada, { name: 'Ada', domain: 'ada.example' });
    await sites.create(bob, { name: 'Bob', domain: 'bob.example' });

    await invitations.invite(ada, site.id, { email: bob.email.toUpperCase() });
    const message = await mail.smtp.nextMessage(bob.email);
    expect(message.subject).toContain('Ada');
    const token = /token=([\w-]+)/.exec(message.text)![1]!;
    expect(await invitations.pending(ada.id, site.id)).toMatchObject([{ email: bob.email }]);

    // The link forwarded to someone else makes nobody an owner.
    expect((await refusal(invitations.accept(eve, token))).code).toBe('forbidden');
    expect(await invitations.accept(bob, token)).toBe(site.id);
    expect((await sites.list(bob.id)).map((s) => s.name)).toEqual(['Ada', 'Bob']);
    expect((await sites.owners(ada.id, site.id)).map((o) => o.email)).toEqual([ada.email, bob.email]);
    expect(await invitations.pending(ada.id, site.id)).toEqual([]);
    expect((await refusal(invitations.accept(bob, token))).field).toBe('token');

    expect(await sites.ownedAlone(ada.id)).toEqual([]);
    await sites.removeOwner(bob.id, site.id, ada.id);
    expect((await refusal(sites.removeOwner(bob.id, site.id, bob.id))).code).toBe('conflict');
    expect((await sites.ownedAlone(bob.id)).sort()).toEqual(
      (await sites.list(bob.id)).map((s) => s.id).sort(),
    );
  });

  it('lets an invitation lapse after a week, and its site revoke it before', async () => {
    const ada = await ownerCalled('ada');
    const bob = await ownerCalled('bob');
    const { site } = await sites.create(ada, { name: 'Ada', domain: 'ada.example' });
    const first = await invitations.invite(ada, site.id, { email: bob.email });
    const firstToken = await linkTokenIn(mail.smtp, bob.email);
    await invitations.revoke(ada.id, site.id, first.id);
    expect((await refusal(invitations.accept(bob, firstToken))).field).toBe('token');

    await invitations.invite(ada, site.id, { email: bob.email });
    const secondToken = await linkTokenIn(mail.smtp, bob.email);
    now += INVITATION_LIFETIME_MS;
    expect(await invitations.pending(ada.id, site.id)).toEqual([]);
    expect((await refusal(invitations.accept(bob, secondToken))).field).toBe('token');
  });
});
