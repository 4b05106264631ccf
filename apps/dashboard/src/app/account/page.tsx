import type { Metadata } from 'next';
import { CLOSING_PHRASE } from '../../owners/close-account';
import { requireOwner } from '../../server/auth';
import { services } from '../../server/services';
import {
  changeEmail,
  changePassword,
  closeAccount,
  endSession,
  rename,
  resendVerification,
} from '../actions/auth';
import { ActionForm, Field } from '../ui/form';

export const metadata: Metadata = { title: 'Account' };

const when = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');

export default async function AccountPage() {
  const { owner, session } = await requireOwner();
  const { accounts, sites } = await services();
  const [sessions, alone] = await Promise.all([accounts.sessions.list(owner.id), sites.ownedAlone(owner.id)]);
  const csrf = session.csrfToken;
  return (
    <main>
      <h1>Your account</h1>
      {owner.emailVerifiedAt ? null : (
        <section>
          <h2>Confirm your address</h2>
          <p>We sent a link to {owner.email}. Follow it to add sites.</p>
          <ActionForm action={resendVerification} submit="Send the link again" csrf={csrf} />
        </section>
      )}
      <section>
        <h2>Name</h2>
        <ActionForm action={rename} submit="Save" csrf={csrf}>
          <Field name="name" label="Name" defaultValue={owner.name} autoComplete="name" />
        </ActionForm>
      </section>
      <section>
        <h2>E-mail</h2>
        <p>
          Your address is <strong>{owner.email}</strong>. A new one takes effect once you follow the link we
          send to it.
        </p>
        <ActionForm action={changeEmail} submit="Change my address" csrf={csrf}>
          <Field name="email" label="New address" type="email" autoComplete="email" />
          <Field name="password" label="Your password" type="password" autoComplete="current-password" />
        </ActionForm>
      </section>
      <section>
        <h2>Password</h2>
        <ActionForm action={changePassword} submit="Change my password" csrf={csrf}>
          <Field name="current" label="Current password" type="password" autoComplete="current-password" />
          <Field name="password" label="New password" type="password" autoComplete="new-password" />
        </ActionForm>
      </section>
      <section>
        <h2>Sessions</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">Address</th>
              <th scope="col">Last used (UTC)</th>
              <th scope="col">
                <span className="muted">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>{s.userAgent || 'unknown'}</td>
                <td>{s.ip || 'unknown'}</td>
                <td>{when(s.lastSeenAt)}</td>
                <td>
                  {s.id === session.id ? (
                    <span className="muted">This session</span>
                  ) : (
                    <form action={endSession}>
                      <input type="hidden" name="csrf" value={csrf} />
                      <input type="hidden" name="session" value={s.id} />
                      <button type="submit" className="link">
                        End
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>Close the account</h2>
        <p>
          {alone.length === 0
            ? 'You own no site alone: you leave the sites you share, and their other owners keep them.'
            : `The ${alone.length === 1 ? 'site' : `${alone.length} sites`} you own alone ${alone.length === 1 ? 'is' : 'are'} deleted with all ${alone.length === 1 ? 'its' : 'their'} comments; you leave the sites you share.`}{' '}
          This cannot be undone.
        </p>
        <ActionForm action={closeAccount} submit="Close my account" csrf={csrf} danger>
          {owner.passwordHash ? (
            <Field name="password" label="Your password" type="password" autoComplete="current-password" />
          ) : null}
          <Field name="confirmation" label={`Type “${CLOSING_PHRASE}”`} />
        </ActionForm>
      </section>
    </main>
  );
}
