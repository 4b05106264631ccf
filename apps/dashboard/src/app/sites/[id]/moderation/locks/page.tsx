import type { Metadata } from 'next';
import { moderationPage } from '../../../../../server/moderation-page';
import { lockPage } from '../../../../actions/moderation';
import { ActionForm, Field } from '../../../../ui/form';
import { ConsoleProblem, ModerationHeader } from '../nav';

export const metadata: Metadata = { title: 'Locks' };

const LOCK = [
  { value: 'lock', label: 'Lock', danger: true },
  { value: 'unlock', label: 'Unlock' },
] as const;

/** Read-only pages: one page by its URL or key, or the whole site. */
export default async function LocksPage(props: { params: Promise<{ id: string }> }) {
  const { site, session, moderation } = await moderationPage(props.params);
  if (!moderation) return <ConsoleProblem site={site} current="/locks" />;
  return (
    <main className="wide">
      <ModerationHeader site={site} current="/locks" />
      <section>
        <h2>A page</h2>
        <p>A locked page keeps its comments but takes no new ones, edits or votes, except from moderators.</p>
        <ActionForm action={lockPage} csrf={session.csrfToken} choices={LOCK}>
          <input type="hidden" name="site" value={site.id} />
          <Field
            name="page"
            label="Page"
            hint={`Its URL on ${site.domain}, as readers open it; or its page key, when the embed code gives one (data-page-key).`}
          />
        </ActionForm>
      </section>
      <section>
        <h2>The whole site</h2>
        <p>Every page of the site at once; readers see it on their next visit.</p>
        <ActionForm action={lockPage} csrf={session.csrfToken} choices={LOCK}>
          <input type="hidden" name="site" value={site.id} />
        </ActionForm>
      </section>
    </main>
  );
}
