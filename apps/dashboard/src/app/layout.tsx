import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { currentOwner } from '../server/auth';
import { signOut } from './actions/auth';
import './globals.css';

export const metadata: Metadata = { title: { default: 'ThreadKit dashboard', template: '%s · ThreadKit' } };
// Every page depends on who is signed in.
export const dynamic = 'force-dynamic';

export default async function RootLayout({ children }: { children: ReactNode }) {
  const signedIn = await currentOwner();
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
        {children}
      </body>
    </html>
  );
}
