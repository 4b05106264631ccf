import type { Metadata } from 'next';
import { attempt, moderationPage } from '../../../../../server/moderation-page';
import { AutoRefresh } from '../../../../ui/auto-refresh';
import { SiteHeader, SiteProblem } from '../../site-header';
import { ImportDetails } from '../run';

export const metadata: Metadata = { title: 'Import' };

/** How often a running import's page is rendered again. */
const REFRESH_SECONDS = 2;

/** One import's progress, as the comment server records it; rendered again every few seconds while it runs. */
export default async function ImportRunPage(props: { params: Promise<{ id: string; importId: string }> }) {
  const { site, moderation } = await moderationPage(props.params);
  const { importId } = await props.params;
  const title = 'Import';
  if (!moderation)
    return (
      <SiteProblem
        site={site}
        title={title}
        current="/import"
        problem="Imports need INTERNAL_API_SECRET, shared with the comment servers."
      />
    );
  const loaded = await attempt(moderation.importRun(importId));
  if ('problem' in loaded)
    return <SiteProblem site={site} title={title} current="/import" problem={loaded.problem} />;
  const run = loaded.value;
  return (
    <main className="wide">
      <SiteHeader site={site} title={title} current="/import" />
      <section aria-live="polite">
        <h2>
          Import <code>{run.id}</code>
        </h2>
        <ImportDetails run={run} />
        {run.status === 'running' ? <AutoRefresh seconds={REFRESH_SECONDS} /> : null}
      </section>
      <p>
        <a href={`/sites/${site.id}/import`}>All imports, and a new one</a>
      </p>
    </main>
  );
}
