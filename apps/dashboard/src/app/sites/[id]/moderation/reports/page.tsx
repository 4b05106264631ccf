import type { Metadata } from 'next';
import { attempt, moderationPage, offsetOf, when } from '../../../../../server/moderation-page';
import { CommentDecisions } from '../comments';
import { ConsoleProblem, ModerationHeader, Pager } from '../nav';

export const metadata: Metadata = { title: 'Reports' };

const LIMIT = 50;

/** Reported comments across the site, latest report first, each with who reported it and why. */
export default async function ReportsPage(props: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ offset?: string }>;
}) {
  const { site, session, moderation } = await moderationPage(props.params);
  const offset = offsetOf((await props.searchParams).offset);
  const loaded = moderation ? await attempt(moderation.reports(offset, LIMIT)) : null;
  if (!loaded || 'problem' in loaded)
    return <ConsoleProblem site={site} current="/reports" problem={loaded?.problem} />;
  const { reports, total } = loaded.value;
  return (
    <main className="wide">
      <ModerationHeader site={site} current="/reports" />
      <section>
        <h2>Reported comments ({total})</h2>
        <CommentDecisions
          siteId={site.id}
          csrf={session.csrfToken}
          items={reports.map((report) => ({
            comment: report.comment,
            extra: (
              <details>
                <summary>
                  {report.count} report{report.count === 1 ? '' : 's'}:{' '}
                  {[...new Set(report.reports.map((r) => r.reason))].join(', ')}
                </summary>
                <ul className="small">
                  {report.reports.map((r) => (
                    <li key={`${r.user_id} ${r.created_at}`}>
                      {when(r.created_at)} · {r.reason}
                      {r.details ? `: ${r.details}` : ''} <span className="muted">(user {r.user_id})</span>
                    </li>
                  ))}
                </ul>
              </details>
            ),
          }))}
          empty="No open reports."
        />
        <Pager
          href={(o) => `/sites/${site.id}/moderation/reports?offset=${o}`}
          offset={offset}
          limit={LIMIT}
          total={total}
        />
      </section>
    </main>
  );
}
