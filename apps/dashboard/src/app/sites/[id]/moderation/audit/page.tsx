import type { Metadata } from 'next';
import { attempt, moderationPage, offsetOf, when } from '../../../../../server/moderation-page';
import { services } from '../../../../../server/services';
import { ConsoleProblem, ModerationHeader, Pager } from '../nav';

export const metadata: Metadata = { title: 'Audit log' };

const LIMIT = 50;

/** Every moderation action on the site, newest first, with who did it: a commenter, an owner, or the secret key. */
export default async function AuditPage(props: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ offset?: string }>;
}) {
  const { site, owner, moderation } = await moderationPage(props.params);
  const offset = offsetOf((await props.searchParams).offset);
  if (!moderation) return <ConsoleProblem site={site} current="/audit" />;
  const [loaded, owners] = await Promise.all([
    attempt(moderation.audit(offset, LIMIT)),
    (await services()).sites.owners(owner.id, site.id),
  ]);
  if ('problem' in loaded) return <ConsoleProblem site={site} current="/audit" problem={loaded.problem} />;
  const { entries, total } = loaded.value;
  const ownerNames = new Map(
    owners.map((o) => [`owner:${o.id}`, o.name ? `${o.name} (${o.email})` : o.email]),
  );
  const actor = (value: string) =>
    ownerNames.get(value) ??
    (value === 'owner' ? 'the secret key' : value.startsWith('owner:') ? 'a former owner' : `user ${value}`);
  return (
    <main className="wide">
      <ModerationHeader site={site} current="/audit" />
      <section>
        <h2>Audit log ({total})</h2>
        {entries.length === 0 ? (
          <p>No moderation action yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Did</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={`${entry.at} ${entry.actor} ${entry.action} ${entry.target}`}>
                  <td>{when(entry.at)}</td>
                  <td>{actor(entry.actor)}</td>
                  <td>
                    {entry.action}
                    {entry.details ? (
                      <span className="muted small"> {JSON.stringify(entry.details)}</span>
                    ) : null}
                  </td>
                  <td>
                    <code>{entry.target}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager
          href={(o) => `/sites/${site.id}/moderation/audit?offset=${o}`}
          offset={offset}
          limit={LIMIT}
          total={total}
        />
      </section>
    </main>
  );
}
