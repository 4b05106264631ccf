import type { Mailer } from '@threadkit/core';
import { webhookDisabledEmail } from '../owners/emails';
import type { Sites } from './sites';

/** What a comment server reports when repeated failures disabled an endpoint. */
export interface DisabledWebhook {
  endpointId: string;
  url: string;
  reason: string;
}

/**
 * Tells a site's owners what the comment servers report about its webhooks:
 * the comment servers know no owner's address in SaaS mode, the dashboard does.
 */
export class WebhookNotices {
  constructor(
    private readonly deps: {
      sites: Sites;
      mailer: Mailer;
      /** The dashboard's address of a path, for the link in the e-mail. */
      link: (pathAndQuery: string) => string;
      onMailError: (error: unknown) => void;
    },
  ) {}

  /**
   * E-mails every owner and co-owner with a verified address; false when the
   * site is gone. The e-mails go out after the answer: a slow mail server must
   * not hold the comment server's call.
   */
  async disabled(siteId: string, report: DisabledWebhook): Promise<boolean> {
    const site = await this.deps.sites.info(siteId);
    if (!site) return false;
    const to = await this.deps.sites.ownerAddresses(siteId);
    const link = this.deps.link(`/sites/${siteId}/webhooks`);
    void Promise.all(
      to.map(({ email }) =>
        this.deps.mailer
          .send(webhookDisabledEmail(email, { site: site.name, ...report, link }))
          .catch(this.deps.onMailError),
      ),
    );
    return true;
  }
}
