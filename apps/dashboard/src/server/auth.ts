import { forbidden } from '@threadkit/core';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ClientInfo, Owner, OwnerSession } from '../owners/sessions';
import { SESSION_IDLE_MS } from '../owners/sessions';
import { services } from './services';

/** The session cookie: HttpOnly, SameSite=Lax, and Secure whenever the dashboard is on HTTPS. */
const COOKIE = 'tk_dashboard';

export interface SignedInOwner {
  owner: Owner;
  session: OwnerSession;
}

/** The signed-in owner, or null. */
export async function currentOwner(): Promise<SignedInOwner | null> {
  const token = (await cookies()).get(COOKIE)?.value;
  if (!token) return null;
  return (await services()).accounts.sessions.authenticate(token);
}

/** The signed-in owner; anyone else goes to the sign-in page. */
export async function requireOwner(): Promise<SignedInOwner> {
  const signedIn = await currentOwner();
  if (!signedIn) redirect('/signin');
  return signedIn;
}

/**
 * The signed-in owner of a form post, whose form carried their session's CSRF
 * token. (Next also refuses a server action posted from another origin.)
 */
export async function ownerOfForm(form: FormData): Promise<SignedInOwner> {
  const signedIn = await requireOwner();
  if (form.get('csrf') !== signedIn.session.csrfToken)
    throw forbidden('This form has expired: reload the page.');
  return signedIn;
}

export async function setSessionCookie(token: string): Promise<void> {
  const { env } = await services();
  (await cookies()).set(COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.publicUrl.startsWith('https:'),
    path: '/',
    maxAge: SESSION_IDLE_MS / 1000,
  });
}

export async function clearSessionCookie(): Promise<string | undefined> {
  const jar = await cookies();
  const token = jar.get(COOKIE)?.value;
  jar.delete(COOKIE);
  return token;
}

/**
 * Who is asking, for the session list and the per-address limits. The address
 * is the last X-Forwarded-For entry: the one the nearest proxy saw (Next sets
 * the header from the socket when no proxy did). Earlier entries are whatever
 * the client claimed, so they are never trusted.
 */
export async function clientInfo(): Promise<ClientInfo> {
  const list = await headers();
  const forwarded = list.get('x-forwarded-for')?.split(',').at(-1)?.trim();
  return { ip: forwarded || list.get('x-real-ip') || '', userAgent: list.get('user-agent') ?? '' };
}
