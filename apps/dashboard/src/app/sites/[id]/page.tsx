import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { requireOwner } from '../../../server/auth';
import { EDITABLE_SETTINGS } from '../../../server/editable-settings';
import { services } from '../../../server/services';
import {
  changeSettings,
  deleteSite,
  describeSite,
  inviteOwner,
  removeOwner,
  rotateKeys,
} from '../../actions/sites';
import { CopyButton } from '../../ui/copy-button';
import { ActionForm, Confirm, Field } from '../../ui/form';
import { SettingField } from '../../ui/setting-field';

export const metadata: Metadata = { title: 'Site' };

const day = (date: Date | null) => (date ? date.toISOString().replace('T', ' ').slice(0, 16) : 'not yet');

export default async function SitePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { owner, session } = await requireOwner();
  const { sites, invitations, env } = await services();
  const site = await sites.get(owner.id, id).catch(() => null);
  if (!site) notFound();
  const [owners, pending] = await Promise.all([
    sites.owners(owner.id, id),
    invitations.pending(owner.id, id),
  ]);
  const csrf = session.csrfToken;
  const script = `<div id="threadkit"></div>\n<script src="${env.apiUrl}/embed.js" data-project-id="${site.publicKey}" async></script>`;
  const react = `import { ThreadKit } from '@threadkit/react';\n\n<ThreadKit src="${env.apiUrl}/embed.js" projectId="${site.publicKey}" />`;
  return (
    <main>
      <h1>{site.name}</h1>
      <p>
        <a href={`/sites/${site.id}/moderation`}>Moderate comments</a>: the review queue, reports, bans,
        roles, locks and the audit log. <a href={`/sites/${site.id}/analytics`}>Analytics</a>: comments,
        readers and moderation over time. <a href={`/sites/${site.id}/webhooks`}>Webhooks</a>: the
        site&rsquo;s events sent to your own endpoints.{' '}
        <a href={`/sites/${site.id}/import`}>Import / export</a>: comments from Disqus, WordPress, Remark42,
        Isso or another ThreadKit, and the whole site as a file.
      </p>
      <section>
        <h2>Embed</h2>
        <figure>
          <figcaption>HTML embed code: put it where the comments should appear on {site.domain}</figcaption>
          <pre id="embed-html">{script}</pre>
          <CopyButton text={script} label="Copy the HTML" target="embed-html" />
        </figure>
        <figure>
          <figcaption>React embed code</figcaption>
          <pre id="embed-react">{react}</pre>
          <CopyButton text={react} label="Copy the React code" target="embed-react" />
        </figure>
        <p>
          Public key: <code id="public-key">{site.publicKey}</code>{' '}
          <CopyButton text={site.publicKey} label="Copy" target="public-key" />
        </p>
        <p>
          Installation check: widget first seen <strong>{day(site.firstSeenAt)}</strong>, last seen{' '}
          <strong>{day(site.lastSeenAt)}</strong> (UTC).
        </p>
      </section>
      <section>
        <h2>Site</h2>
        <ActionForm action={describeSite} submit="Save" csrf={csrf}>
          <input type="hidden" name="site" value={site.id} />
          <Field name="name" label="Name" defaultValue={site.name} />
          <Field name="domain" label="Domain" defaultValue={site.domain} />
          <Field
            name="allowed_origins"
            label="Other allowed origins"
            defaultValue={site.allowedOrigins.join(', ')}
            hint="Separated by commas: https://www.example.com, *.example.com."
          />
        </ActionForm>
      </section>
      <section>
        <h2>Settings</h2>
        <ActionForm action={changeSettings} submit="Save settings" csrf={csrf}>
          <input type="hidden" name="site" value={site.id} />
          {EDITABLE_SETTINGS.map((name) => (
            <SettingField key={name} name={name} value={site.settings[name]} />
          ))}
        </ActionForm>
      </section>
      <section>
        <h2>Owners</h2>
        <ul>
          {owners.map((o) => (
            <li key={o.id}>
              {o.name ? `${o.name} · ` : ''}
              {o.email}
              {owners.length > 1 ? (
                <form action={removeOwner} style={{ display: 'inline', marginLeft: '0.75rem' }}>
                  <input type="hidden" name="csrf" value={csrf} />
                  <input type="hidden" name="site" value={site.id} />
                  <input type="hidden" name="owner" value={o.id} />
                  <button type="submit" className="link">
                    {o.id === owner.id ? 'Leave this site' : 'Remove'}
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
        {pending.length > 0 ? (
          <p className="muted">Invited, not yet accepted: {pending.map((p) => p.email).join(', ')}</p>
        ) : null}
        <ActionForm action={inviteOwner} submit="Invite" csrf={csrf}>
          <input type="hidden" name="site" value={site.id} />
          <Field name="email" label="Invite a co-owner by e-mail" type="email" />
        </ActionForm>
      </section>
      <section>
        <h2>Keys</h2>
        <p>
          New keys replace both the public and the secret key; pages embedding the old public key stop loading
          comments within seconds, until they get the new one. Keys last changed {day(site.keysRotatedAt)}{' '}
          (UTC).
        </p>
        <ActionForm action={rotateKeys} submit="Make new keys" csrf={csrf} danger>
          <input type="hidden" name="site" value={site.id} />
          <Confirm name="confirm" label="I understand that the old keys stop working." />
        </ActionForm>
      </section>
      <section>
        <h2>Delete the site</h2>
        <p>
          Its keys stop working within seconds, and the comment server deletes all its comments, commenters
          and counts. This cannot be undone.
        </p>
        <ActionForm action={deleteSite} submit="Delete the site" csrf={csrf} danger>
          <input type="hidden" name="site" value={site.id} />
          <Field name="confirmation" label={`Type “${site.name}” to delete the site`} />
        </ActionForm>
      </section>
    </main>
  );
}
