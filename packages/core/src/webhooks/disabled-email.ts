import type { Email } from '../delivery/mailer.js';
import { escapeHtml } from '../delivery/templates.js';
import type { WebhookEndpoint } from '../store/webhook-store.js';

/** The e-mail telling a site's admins that an endpoint was disabled after failing again and again. */
export function webhookDisabledEmail(
  to: string,
  site: { name: string },
  endpoint: Pick<WebhookEndpoint, 'id' | 'url'>,
  reason: string,
): Email {
  const subject = `[${site.name}] Webhook endpoint disabled: ${endpoint.url}`;
  const lines = [
    `The webhook endpoint ${endpoint.url} (id ${endpoint.id}) of ${site.name} was disabled.`,
    reason,
    'No more events are sent to it. Its delivery log shows the last attempts (`threadkit webhook log` or GET /v1/webhooks/:id/deliveries); once the receiver works again, enable the endpoint (PATCH /v1/webhooks/:id with "enabled": true).',
  ];
  return {
    to,
    subject,
    text: lines.join('\n\n'),
    html: lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n'),
  };
}
