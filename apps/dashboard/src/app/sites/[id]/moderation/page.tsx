import type { Metadata } from 'next';
import { attempt, moderationPage, offsetOf } from '../../../../server/moderation-page';
import { CommentDecisions } from './comments';
import { ConsoleProblem, ModerationHeader, Pager } from './nav';

export const metadata: Metadata = { title: 'Review queue' };

const LIMIT = 50;

/** The site's review queue: every comment waiting for a decision, across all its pages, newest first. */
export default async function QueuePage(props: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ offset?: string }>;
}) {
  const { site, session, moderation } = await moderationPage(props.params);
  const offset = offsetOf((await props.searchParams).offset);
  const loaded = moderation ? await attempt(moderation.queue(offset, LIMIT)) : null;
  if (!loaded || 'problem' in loaded)
    return <ConsoleProblem site={site} current="" problem={loaded?.problem} />;
  const queue = loaded.value;
  return (
    <main className="wide">
      <ModerationHeader site={site} current="" />
      <section>
        <h2>Waiting for a decision ({queue.total})</h2>
        <CommentDecisions
          siteId={site.id}
          csrf={session.csrfToken}
          items={queue.comments.map((comment) => ({ comment }))}
          empty="Nothing waits for review."
        />
        <Pager
          href={(o) => `/sites/${site.id}/moderation?offset=${o}`}
          offset={offset}
          limit={LIMIT}
          total={queue.total}
        />
      </section>
    </main>
  );
}
