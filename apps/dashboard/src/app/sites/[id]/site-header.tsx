/** The site's pages beside its own: where its header links. */
const PAGES = [
  { path: '/moderation', label: 'Moderation' },
  { path: '/analytics', label: 'Analytics' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/import', label: 'Import / export' },
] as const;

export type SitePage = (typeof PAGES)[number]['path'];

/** A site page's heading and the site's navigation, the current page marked for assistive technology too. */
export function SiteHeader(props: { site: { id: string; name: string }; title: string; current: SitePage }) {
  const base = `/sites/${props.site.id}`;
  return (
    <>
      <p className="muted">
        <a href={base}>{props.site.name}</a> › {props.title}
      </p>
      <h1>
        {props.title}: {props.site.name}
      </h1>
      <nav aria-label="Site" className="tabs">
        <a href={base}>Settings</a>
        {PAGES.map((page) => (
          <a
            key={page.path}
            href={`${base}${page.path}`}
            aria-current={page.path === props.current ? 'page' : undefined}
          >
            {page.label}
          </a>
        ))}
      </nav>
    </>
  );
}

/** A site page with nothing to show but why: the comment server away or refusing, or no secret to sign calls with. */
export function SiteProblem(props: {
  site: { id: string; name: string };
  title: string;
  current: SitePage;
  problem: string;
}) {
  return (
    <main className="wide">
      <SiteHeader site={props.site} title={props.title} current={props.current} />
      <section>
        <p role="alert" className="error">
          {props.problem}
        </p>
      </section>
    </main>
  );
}
