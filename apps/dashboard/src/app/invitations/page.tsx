import type { Metadata } from 'next';
import { currentOwner } from '../../server/auth';
import { acceptInvitation } from '../actions/sites';
import { ActionForm } from '../ui/form';

export const metadata: Metadata = { title: 'Invitation' };

export default async function InvitationPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string>>;
}) {
  const { token = '' } = await searchParams;
  const signedIn = await currentOwner();
  const here = `/invitations?token=${encodeURIComponent(token)}`;
  return (
    <main className="narrow">
      <h1>Become a co-owner</h1>
      <section>
        {signedIn ? (
          <ActionForm
            action={acceptInvitation}
            submit="Accept the invitation"
            csrf={signedIn.session.csrfToken}
          >
            <input type="hidden" name="token" value={token} />
            <p>You are signed in as {signedIn.owner.email}.</p>
          </ActionForm>
        ) : (
          <p>
            <a href={`/signin?next=${encodeURIComponent(here)}`}>Sign in</a> or{' '}
            <a href="/signup">create an account</a> with the invited address to accept.
          </p>
        )}
      </section>
    </main>
  );
}
