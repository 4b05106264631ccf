import { randomBytes } from 'node:crypto';
import { OwnerTokens } from '@threadkit/core';
import { freePort } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { CommentServer, type SiteAdmin } from '../moderation/comment-server';
import type { SiteView } from '../sites/sites';
import { mailForFile } from '../test-support';
import { DASHBOARD_URL, type SaasStack, startSaas } from './saas.testing';

/**
 * A webhook endpoint that keeps failing, in SaaS mode: the comment server
 * disables it and reports it to the dashboard's internal API, which e-mails
 * the site's owners and co-owners (those with a verified address). Real
 * comment server, Redis, SMTP and database, on both engines.
 */

const SECRET = randomBytes(32).toString('base64url');
const ORIGIN = 'https://hooks.example';
/** Disabled after this many failures in a row here (20 in production): the same path, sooner. */
const FAILURES = 4;
const mail = mailForFile();

describe.each(databaseEngines())('on $name', (engine) => {
  let saas: SaasStack;
  let apiUrl: string;
  let site: SiteView;
  let admin: SiteAdmin;

  beforeAll(async () => {
    saas = await startSaas(engine, 'webhook_disabled', {
      secret: SECRET,
      mailer: mail.mailer,
      context: { webhooks: { failuresToDisable: FAILURES } },
    });
    apiUrl = await saas.app.listen({ host: '127.0.0.1', port: 0 });
    site = (await saas.addSite('Hooks', ORIGIN)).site;
    // A co-owner with a verified address, and one whose address was never confirmed.
    await saas.handle.db.insert(owners).values([
      { id: 'coowner', email: 'co@example.com', emailVerifiedAt: new Date() },
      { id: 'unverified', email: 'unverified@example.com' },
    ]);
    await saas.sites.addOwner(site.id, 'coowner');
    await saas.sites.addOwner(site.id, 'unverified');
    admin = new CommentServer({ apiUrl, tokens: new OwnerTokens(SECRET) }).asOwner(saas.owner.id, site);
  });
  afterAll(async () => {
    await saas?.close();
  });

  async function comment(page: string, token: string) {
    const response = await fetch(`${apiUrl}/v1/comments`, {
      method: 'POST',
      headers: {
        projectid: site.publicKey,
        origin: ORIGIN,
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ page_url: `${ORIGIN}/${page}`, content: `On ${page}` }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
  }

  it('e-mails every verified owner of the site when repeated failures disable an endpoint', async () => {
    // Nothing listens there; and a SaaS tenant's deliveries may not reach loopback anyway.
    const endpoint = await admin.addWebhook({
      url: `http://127.0.0.1:${await freePort()}/hook`,
      events: ['comment.created'],
    });
    const guest = await fetch(`${apiUrl}/v1/auth/guest`, {
      method: 'POST',
      headers: { projectid: site.publicKey, origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Gus' }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    // One page each: a page's queue waits for its head's retry, different pages' do not.
    for (let i = 0; i < FAILURES; i++) await comment(`page-${i}`, guest.token);

    const [first, second] = await Promise.all([
      mail.smtp.nextMessage('owner@example.com'),
      mail.smtp.nextMessage('co@example.com'),
    ]);
    for (const message of [first, second]) {
      expect(message.subject).toBe(`[Hooks] Webhook endpoint disabled: ${endpoint.url}`);
      expect(message.text).toContain(`Disabled after ${FAILURES} failed attempts in a row`);
      expect(message.text).toContain(`${DASHBOARD_URL}/sites/${site.id}/webhooks`);
    }
    expect(mail.smtp.messagesTo('unverified@example.com')).toEqual([]);
    const [listed] = await admin.webhooks();
    expect([listed?.enabled, listed?.disabled_reason]).toEqual([
      false,
      expect.stringContaining('Disabled after'),
    ]);
  });

  it('refuses reports without the secret, malformed ones, and those about a site that is gone', async () => {
    const report = (siteId: string, body: unknown, secret = SECRET) =>
      fetch(`${saas.dashboard.url}/sites/${siteId}/webhook-disabled`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.status);
    const valid = { endpoint_id: site.id, url: 'https://example.com/hook', reason: 'It failed.' };
    expect(await report(site.id, valid, randomBytes(32).toString('base64url'))).toBe(401);
    expect(await report(site.id, { ...valid, endpoint_id: '../x' })).toBe(400);
    expect(await report(site.id, { ...valid, url: '' })).toBe(400);
    expect(await report('0cZdmZixoJscOFqiPZ6LHx', valid)).toBe(404);
    expect(await report(site.id, valid)).toBe(202);
    for (const to of ['owner@example.com', 'co@example.com'])
      expect((await mail.smtp.nextMessage(to)).text).toContain('https://example.com/hook');
  });
});
