import type { Metadata } from 'next';
import { requireOwner } from '../../server/auth';
import { services } from '../../server/services';
import { isRange } from '../../usage/analytics';
import { AnalyticsView } from '../ui/analytics-view';

export const metadata: Metadata = { title: 'Analytics' };

/** All the owner's sites together. */
export default async function AnalyticsPage(props: { searchParams: Promise<{ days?: string }> }) {
  const { owner, session } = await requireOwner();
  const days = Number((await props.searchParams).days);
  const range = isRange(days) ? days : 30;
  const sites = await (await services()).sites.list(owner.id);
  return (
    <main>
      <h1>Analytics: all your sites</h1>
      <AnalyticsView
        scope={{ ownerId: owner.id }}
        range={range}
        base="/analytics"
        csrf={session.csrfToken}
        siteIds={sites.map((site) => site.id)}
      />
    </main>
  );
}
