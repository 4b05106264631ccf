const TABS = [
  { path: '', label: 'Queue' },
  { path: '/reports', label: 'Reports' },
  { path: '/people', label: 'People' },
  { path: '/locks', label: 'Locks' },
  { path: '/audit', label: 'Audit log' },
] as const;

export type Tab = (typeof TABS)[number]['path'];

/** The moderation console's heading and tabs, the current one marked for assistive technology too. */
export function ModerationHeader({ site, current }: { site: { id: string; name: string }; current: Tab }) {
  const base = `/sites/${site.id}/moderation`;
  return (
    <>
      <p className="muted">
        <a href={`/sites/${site.id}`}>{site.name}</a> › Moderation
      </p>
      <h1>Moderation: {site.name}</h1>
      <nav aria-label="Moderation" className="tabs">
        {TABS.map((tab) => (
          <a
            key={tab.path}
            href={`${base}${tab.path}`}
            aria-current={tab.path === current ? 'page' : undefined}
          >
            {tab.label}
          </a>
        ))}
      </nav>
    </>
  );
}

/**
 * A console page that has nothing to show: the dashboard cannot sign calls to
 * the comment server (no `problem`), or the call failed (the server away, a refusal).
 */
export function ConsoleProblem(props: {
  site: { id: string; name: string };
  current: Tab;
  problem?: string;
}) {
  return (
    <main className="wide">
      <ModerationHeader site={props.site} current={props.current} />
      <section>
        <p role="alert" className="error">
          {props.problem ??
            'Moderation from the dashboard needs INTERNAL_API_SECRET, shared with the comment servers, so that the dashboard can act for you there.'}
        </p>
      </section>
    </main>
  );
}

/** Links to the previous and next pages of an offset-paged list. */
export function Pager(props: {
  href: (offset: number) => string;
  offset: number;
  limit: number;
  total: number;
}) {
  const { offset, limit, total } = props;
  if (total <= limit && offset === 0) return null;
  return (
    <nav aria-label="Pages" className="pager">
      {offset > 0 ? <a href={props.href(Math.max(0, offset - limit))}>Newer</a> : null}
      <span className="muted">
        {Math.min(offset + 1, total)}–{Math.min(offset + limit, total)} of {total}
      </span>
      {offset + limit < total ? <a href={props.href(offset + limit)}>Older</a> : null}
    </nav>
  );
}
