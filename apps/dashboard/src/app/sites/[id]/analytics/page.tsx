import type { Metadata } from 'next';
import { requireOwner } from '../../../../server/auth';
import { services } from '../../../../server/services';
import { isRange } from '../../../../usage/analytics';
import { AnalyticsView } from '../../../ui/analytics-view';

export const metadata: Metadata = { title: 'Site analytics' };

export default async function SiteAnalyticsPage(props: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ days?: string }>;
}) {
  const { owner, session } = await requireOwner();
  const site = await (await services()).sites.get(owner.id, (await props.params).id);
  const days = Number((await props.searchParams).days);
  const range = isRange(days) ? days : 30;
  return (
    <main>
      <h1>Analytics: {site.name}</h1>
      <AnalyticsView
        scope={{ siteId: site.id }}
        range={range}
        base={`/sites/${site.id}/analytics`}
        csrf={session.csrfToken}
        siteIds={[site.id]}
      />
    </main>
  );
}
