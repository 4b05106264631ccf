import type { Metadata } from 'next';
import { requireOwner } from '../../server/auth';
import { services } from '../../server/services';
import { createSite } from '../actions/sites';
import { ActionForm, Field } from '../ui/form';

export const metadata: Metadata = { title: 'Sites' };

export default async function SitesPage() {
  const { owner, session } = await requireOwner();
  const sites = await (await services()).sites.list(owner.id);
  return (
    <main>
      <h1>Your sites</h1>
      {sites.length === 0 ? (
        <p>No site yet. Add one below to get its keys and embed code.</p>
      ) : (
        <section>
          <table>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Domain</th>
                <th scope="col">Widget last seen</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((site) => (
                <tr key={site.id}>
                  <td>
                    <a href={`/sites/${site.id}`}>{site.name}</a>
                  </td>
                  <td>{site.domain}</td>
                  <td>{site.lastSeenAt ? site.lastSeenAt.toISOString().slice(0, 10) : 'not yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section>
        <h2>Add a site</h2>
        {owner.emailVerifiedAt ? (
          <ActionForm action={createSite} submit="Add the site" csrf={session.csrfToken}>
            <Field name="name" label="Name" />
            <Field name="domain" label="Domain" hint="The host name of the site, such as blog.example.com." />
            <Field
              name="allowed_origins"
              label="Other allowed origins"
              hint="Optional, separated by commas: https://www.example.com, *.example.com."
            />
          </ActionForm>
        ) : (
          <p>
            Confirm your address first: follow the link we sent to {owner.email}, or{' '}
            <a href="/account">send it again</a>.
          </p>
        )}
      </section>
    </main>
  );
}
