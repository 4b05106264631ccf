import type { Metadata } from 'next';
import type { ListedUser, Member, StaffRole, UserPage } from '../../../../../moderation/comment-server';
import { attempt, moderationPage } from '../../../../../server/moderation-page';
import { banUser, demote, liftRestriction, promote } from '../../../../actions/moderation';
import { ActionForm, Confirm, Field, Select } from '../../../../ui/form';
import { ConsoleProblem, ModerationHeader } from '../nav';

export const metadata: Metadata = { title: 'People' };

const ROLES = [
  { value: 'moderator', label: 'Moderator: the queue, reports, bans, page locks' },
  { value: 'admin', label: 'Admin: all of that, moderators, settings, the audit log' },
] as const;

type Search = { banned?: string; shadowbanned?: string };

/** Who may moderate the site, and who is kept out of it: roles, bans and shadow-bans. */
export default async function PeoplePage(props: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Search>;
}) {
  const { site, session, moderation } = await moderationPage(props.params);
  const search = await props.searchParams;
  if (!moderation) return <ConsoleProblem site={site} current="/people" />;
  const loaded = await attempt(
    Promise.all([
      moderation.members('admin', site.id),
      moderation.members('moderator', site.id),
      moderation.banned(search.banned ?? null),
      moderation.shadowbanned(search.shadowbanned ?? null),
    ]),
  );
  if ('problem' in loaded) return <ConsoleProblem site={site} current="/people" problem={loaded.problem} />;
  const [admins, moderators, banned, shadowbanned] = loaded.value;
  const csrf = session.csrfToken;
  const more = (list: keyof Search, cursor: string) =>
    `/sites/${site.id}/moderation/people?${new URLSearchParams({ ...search, [list]: cursor })}`;
  return (
    <main className="wide">
      <ModerationHeader site={site} current="/people" />
      <section>
        <h2>Admins and moderators</h2>
        <Staff siteId={site.id} csrf={csrf} staffRole="admin" members={admins} />
        <Staff siteId={site.id} csrf={csrf} staffRole="moderator" members={moderators} />
        <h3>Give a role</h3>
        <ActionForm action={promote} submit="Give the role" csrf={csrf}>
          <input type="hidden" name="site" value={site.id} />
          <Field
            name="who"
            label="Commenter"
            hint="The e-mail address of their account on this site, or their user id. Guests cannot be given a role."
          />
          <Select name="role" label="Role" options={ROLES} />
        </ActionForm>
      </section>
      <section>
        <h2>Banned</h2>
        <Restricted
          siteId={site.id}
          csrf={csrf}
          restriction="ban"
          page={banned}
          lift="Lift the ban"
          more={banned.next_cursor ? more('banned', banned.next_cursor) : null}
        />
        <h3>Ban a commenter</h3>
        <ActionForm action={banUser} submit="Ban" csrf={csrf} danger>
          <input type="hidden" name="site" value={site.id} />
          <Field name="user_id" label="User id" hint="Shown beside each comment in the queue and reports." />
          <Field name="reason" label="Reason (for the audit log)" />
          <Confirm name="delete_comments" label="Also take every comment of theirs down" />
        </ActionForm>
      </section>
      <section>
        <h2>Shadow-banned</h2>
        <p className="muted">
          They see their own comments as usual; nobody else does. Shadow-ban from the queue or the reports.
        </p>
        <Restricted
          siteId={site.id}
          csrf={csrf}
          restriction="shadowban"
          page={shadowbanned}
          lift="Show their comments again"
          more={shadowbanned.next_cursor ? more('shadowbanned', shadowbanned.next_cursor) : null}
        />
      </section>
    </main>
  );
}

function Staff(props: { siteId: string; csrf: string; staffRole: StaffRole; members: Member[] }) {
  const title = props.staffRole === 'admin' ? 'Admins' : 'Moderators';
  if (props.members.length === 0) return <p>{title}: none yet.</p>;
  return (
    <table>
      <caption>{title}</caption>
      <tbody>
        {props.members.map((member) => (
          <tr key={member.id}>
            <td>
              {member.name} <code className="muted">{member.id}</code>
            </td>
            <td>
              <ActionForm action={demote} submit="Take the role away" csrf={props.csrf}>
                <input type="hidden" name="site" value={props.siteId} />
                <input type="hidden" name="role" value={props.staffRole} />
                <input type="hidden" name="user_id" value={member.id} />
              </ActionForm>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Restricted(props: {
  siteId: string;
  csrf: string;
  restriction: 'ban' | 'shadowban';
  page: UserPage;
  lift: string;
  more: string | null;
}) {
  if (props.page.users.length === 0) return <p>Nobody.</p>;
  return (
    <>
      <table>
        <tbody>
          {props.page.users.map((user: ListedUser) => (
            <tr key={user.id}>
              <td>
                {user.name}
                {user.guest ? ' (guest)' : ''}{' '}
                {user.email ? <span className="muted">{user.email}</span> : null}{' '}
                <code className="muted">{user.id}</code>
              </td>
              <td>
                <ActionForm action={liftRestriction} submit={props.lift} csrf={props.csrf}>
                  <input type="hidden" name="site" value={props.siteId} />
                  <input type="hidden" name="restriction" value={props.restriction} />
                  <input type="hidden" name="user_id" value={user.id} />
                </ActionForm>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.more ? (
        <p>
          <a href={props.more}>More</a>
        </p>
      ) : null}
    </>
  );
}
