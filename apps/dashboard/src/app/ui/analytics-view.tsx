import { services } from '../../server/services';
import { CHARTED, type Charted, RANGES, type Range, type Scope } from '../../usage/analytics';
import { refreshUsage } from '../actions/usage';
import { DailyChart } from './chart';
import { ActionForm } from './form';

const TITLES: Record<Charted, string> = {
  comments: 'Comments',
  pageviews: 'Page views',
  unique_visitors: 'Visitors a day',
  new_commenters: 'New commenters',
  votes: 'Votes',
};

const count = (n: number) => n.toLocaleString('en-US');

/** What a spam step's counter is called on the page: `held:akismet` → "Held by Akismet". */
function stepLabel(field: string): string {
  const [what, step = ''] = field.split(':');
  const names: Record<string, string> = {
    honeypot: 'the bot trap',
    word_filter: 'the word filter',
    link_limit: 'the link limit',
    akismet: 'Akismet',
    moderation_api: 'AI moderation',
    premoderation: 'pre-moderation',
  };
  return `${what === 'held' ? 'Held by' : 'Refused by'} ${names[step] ?? step}`;
}

/**
 * The analytics of one site or of all an owner's sites over `range` days:
 * a chart per figure (each with its CSV), the top pages, and moderation.
 */
export async function AnalyticsView(props: {
  scope: Scope;
  range: Range;
  /** The page's own path, which the range links and CSV links hang off. */
  base: string;
  csrf: string;
  /** The sites a refresh copies again. */
  siteIds: string[];
}) {
  const { analytics, usageSync } = await services();
  const { scope, range, base } = props;
  const [series, byViews, byComments, moderation] = await Promise.all([
    analytics.series(scope, range, CHARTED),
    analytics.topPages(scope, range, 'views'),
    analytics.topPages(scope, range, 'comments'),
    analytics.moderation(scope, range),
  ]);
  const steps = Object.entries(moderation.bySteps).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <nav aria-label="Range" className="tabs">
        {RANGES.map((days) => (
          <a key={days} href={`${base}?days=${days}`} aria-current={days === range ? 'page' : undefined}>
            {days} days
          </a>
        ))}
      </nav>
      {usageSync ? (
        <ActionForm action={refreshUsage} submit="Refresh now" csrf={props.csrf}>
          <p>Figures are copied from the comment servers every hour.</p>
          {props.siteIds.map((id) => (
            <input key={id} type="hidden" name="site" value={id} />
          ))}
        </ActionForm>
      ) : (
        <p>Figures need the comment servers' Redis: set REDIS_URL for the dashboard.</p>
      )}
      {CHARTED.map((metric) => (
        <DailyChart
          key={metric}
          title={TITLES[metric]}
          values={series.get(metric) ?? []}
          csvHref={`${base}/csv?metric=${metric}&days=${range}`}
        />
      ))}
      <section>
        <h2>Top pages</h2>
        <div className="columns">
          {(
            [
              ['By page views', byViews, 'views'],
              ['By comments', byComments, 'comments'],
            ] as const
          ).map(([title, pages, field]) => (
            <table key={title}>
              <caption>{title}</caption>
              <thead>
                <tr>
                  <th scope="col">Page</th>
                  <th scope="col">{field === 'views' ? 'Views' : 'Comments'}</th>
                </tr>
              </thead>
              <tbody>
                {pages.length === 0 ? (
                  <tr>
                    <td colSpan={2}>None yet.</td>
                  </tr>
                ) : (
                  pages.map((page) => (
                    <tr key={page.pageId}>
                      <td>{page.url ?? page.pageId}</td>
                      <td>{count(page[field])}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          ))}
        </div>
      </section>
      <section>
        <h2>Moderation</h2>
        <table>
          <tbody>
            <tr>
              <th scope="row">Approved by moderators</th>
              <td>{count(moderation.approved)}</td>
            </tr>
            <tr>
              <th scope="row">Rejected by moderators</th>
              <td>{count(moderation.rejected)}</td>
            </tr>
            {steps.map(([field, value]) => (
              <tr key={field}>
                <th scope="row">{stepLabel(field)}</th>
                <td>{count(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
