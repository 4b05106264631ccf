import { WEBHOOK_EVENTS } from '@threadkit/core';
import type { Metadata } from 'next';
import type { DeliveryAttempt, Webhook } from '../../../../moderation/comment-server';
import { attempt, moderationPage, when } from '../../../../server/moderation-page';
import {
  addWebhook,
  removeWebhook,
  rotateWebhookSecret,
  switchWebhook,
  testWebhook,
} from '../../../actions/webhooks';
import { ActionForm, Checkboxes, Confirm, Field } from '../../../ui/form';
import { SiteHeader, SiteProblem } from '../site-header';

export const metadata: Metadata = { title: 'Webhooks' };

/** What each event is, as the form offers it (docs/webhooks.md, Events and payloads). */
const EVENT_LABELS: Record<(typeof WEBHOOK_EVENTS)[number], string> = {
  'comment.created': 'comment.created: a comment was posted (published or held)',
  'comment.edited': 'comment.edited: its author changed it',
  'comment.deleted': 'comment.deleted: deleted or taken down',
  'comment.approved': 'comment.approved: a moderator approved it',
  'comment.rejected': 'comment.rejected: a moderator rejected it',
  'comment.reported': 'comment.reported: a reader reported it',
  'user.banned': 'user.banned: a moderator banned a commenter',
};
const EVENTS = WEBHOOK_EVENTS.map((value) => ({ value, label: EVENT_LABELS[value] ?? value }));

/** How many attempts each endpoint's log shows. */
const LOG_SHOWN = 20;

/**
 * The site's webhook endpoints, as the comment server keeps them: each with
 * its events, whether it is enabled (and why not), its last attempts, and its
 * buttons; and the form that adds one. Owners and co-owners only.
 */
export default async function WebhooksPage(props: { params: Promise<{ id: string }> }) {
  const { site, session, moderation } = await moderationPage(props.params);
  if (!moderation)
    return (
      <SiteProblem
        site={site}
        title="Webhooks"
        current="/webhooks"
        problem="Webhooks from the dashboard need INTERNAL_API_SECRET, shared with the comment servers."
      />
    );
  const loaded = await attempt(
    moderation.webhooks().then((endpoints) =>
      Promise.all(
        endpoints.map(async (endpoint) => ({
          endpoint,
          log: await moderation.deliveries(endpoint.id, LOG_SHOWN),
        })),
      ),
    ),
  );
  if ('problem' in loaded)
    return <SiteProblem site={site} title="Webhooks" current="/webhooks" problem={loaded.problem} />;
  const csrf = session.csrfToken;
  return (
    <main className="wide">
      <SiteHeader site={site} title="Webhooks" current="/webhooks" />
      <p>
        Each endpoint gets a signed <code>POST</code> for the events it subscribes to, retried for a day. How
        to check the signature and what each event holds is in ThreadKit&rsquo;s webhook documentation.
      </p>
      <section>
        <h2>Endpoints ({loaded.value.length})</h2>
        {loaded.value.length === 0 ? <p>No endpoint yet.</p> : null}
        {loaded.value.map(({ endpoint, log }) => (
          <Endpoint key={endpoint.id} siteId={site.id} csrf={csrf} endpoint={endpoint} log={log} />
        ))}
      </section>
      <section>
        <h2>Add an endpoint</h2>
        <ActionForm action={addWebhook} submit="Add the endpoint" csrf={csrf}>
          <input type="hidden" name="site" value={site.id} />
          <Field
            name="url"
            label="URL"
            type="url"
            hint="Where deliveries are posted: http or https, a public address (private ones only with the site setting webhooks allow private)."
          />
          <Checkboxes name="events" legend="Events" options={EVENTS} />
        </ActionForm>
      </section>
    </main>
  );
}

function Endpoint(props: { siteId: string; csrf: string; endpoint: Webhook; log: DeliveryAttempt[] }) {
  const { endpoint, log, csrf } = props;
  const last = log[0];
  const hidden = (
    <>
      <input type="hidden" name="site" value={props.siteId} />
      <input type="hidden" name="webhook" value={endpoint.id} />
    </>
  );
  return (
    <article className="endpoint" aria-label={endpoint.url}>
      <h3>
        <code>{endpoint.url}</code>
      </h3>
      <p>
        {endpoint.enabled ? (
          <strong className="ok">Enabled</strong>
        ) : (
          <>
            <strong className="error">Disabled</strong>: {endpoint.disabled_reason ?? 'no reason recorded.'}
          </>
        )}
        {' · '}
        Events: {endpoint.events.join(', ')}
        {' · '}
        <span className="muted">
          added {when(endpoint.created_at)}, id <code>{endpoint.id}</code>
        </span>
      </p>
      <p>
        Last delivery:{' '}
        {last ? (
          <>
            {describe(last)} at {when(Math.floor(last.at / 1000))}
          </>
        ) : (
          'none yet.'
        )}
      </p>
      <div className="actions">
        <ActionForm action={testWebhook} submit="Send a test delivery" csrf={csrf}>
          {hidden}
        </ActionForm>
        <ActionForm
          action={switchWebhook}
          csrf={csrf}
          choices={
            endpoint.enabled
              ? [{ value: 'disable', label: 'Disable' }]
              : [{ value: 'enable', label: 'Enable again' }]
          }
        >
          {hidden}
        </ActionForm>
        <ActionForm action={rotateWebhookSecret} submit="Rotate the secret" csrf={csrf}>
          {hidden}
          <Confirm name="confirm" label="Deliveries are signed with the new secret from now on." />
        </ActionForm>
        <ActionForm action={removeWebhook} submit="Remove" csrf={csrf} danger>
          {hidden}
          <Confirm name="confirm" label="Remove this endpoint and its delivery log." />
        </ActionForm>
      </div>
      <details>
        <summary>Delivery log ({log.length === LOG_SHOWN ? `last ${LOG_SHOWN}` : log.length})</summary>
        {log.length === 0 ? (
          <p>Nothing sent yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Response</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {log.map((entry) => (
                <tr key={`${entry.delivery_id}-${entry.at}`}>
                  <td>{new Date(entry.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td>{entry.type}</td>
                  <td>{OUTCOMES[entry.outcome] ?? entry.outcome}</td>
                  <td>{entry.status ?? '—'}</td>
                  <td>{entry.duration_ms} ms</td>
                  <td>{entry.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </article>
  );
}

const OUTCOMES: Record<DeliveryAttempt['outcome'], string> = {
  sent: 'sent',
  failed: 'failed, to be retried',
  given_up: 'given up',
  dropped: 'dropped (queue full)',
};

const describe = (attempt: DeliveryAttempt) =>
  `${OUTCOMES[attempt.outcome]}${attempt.status === null ? '' : ` (HTTP ${attempt.status})`}, ${attempt.type}`;
