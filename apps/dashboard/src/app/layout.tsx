import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { graceEndsAt } from '../billing/plans';
import { currentOwner } from '../server/auth';
import { services } from '../server/services';
import { signOut } from './actions/auth';
import './globals.css';

export const metadata: Metadata = { title: { default: 'ThreadKit dashboard', template: '%s · ThreadKit' } };
// Every page depends on who is signed in.
export const dynamic = 'force-dynamic';

export default async function RootLayout({ children }: { children: ReactNode }) {
  const signedIn = await currentOwner();
  const grace = signedIn ? graceEndsAt(await (await services()).plans.subscription(signedIn.owner.id)) : null;
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a className="brand" href={signedIn ? '/sites' : '/signin'}>
            ThreadKit
          </a>
          <nav aria-label="Main">
            {signedIn ? (
              <>
                <a href="/sites">Sites</a>
                <a href="/analytics">Analytics</a>
                <a href="/billing">Billing</a>
                <a href="/account">Account</a>
              </>
            ) : null}
          </nav>
          {signedIn ? (
            <form action={signOut}>
              <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
              <button type="submit" className="link">
                Sign out
              </button>
            </form>
          ) : null}
        </header>
        {grace ? (
          <p className="banner error" role="alert">
            Your last payment failed: your plan falls back to Free on {grace.toISOString().slice(0, 10)}.{' '}
            <a href="/billing">Update your payment details</a>.
          </p>
        ) : null}
        {children}
      </body>
    </html>
  );
}
