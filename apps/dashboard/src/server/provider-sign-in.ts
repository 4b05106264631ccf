import { createHash, randomBytes } from 'node:crypto';
import { type OAuthClient, oauthClient } from '@threadkit/core';
import { cookies } from 'next/headers';
import { clientInfo, setSessionCookie } from './auth';
import { services } from './services';

/**
 * Owners' sign-in with Google, GitHub or another OpenID provider: the
 * authorization-code flow with PKCE. The state, the verifier and where to go
 * afterwards wait in a short-lived HttpOnly cookie of the dashboard's own,
 * which the provider's redirect back brings along (SameSite=Lax lets a
 * top-level navigation carry it).
 */

const COOKIE = 'tk_dashboard_oauth';
const FLOW_SECONDS = 600;

/** Why a provider sign-in came back to the sign-in page; the page says it in words. */
export type ProviderProblem = 'declined' | 'expired' | 'failed' | 'no_email' | 'limited';

interface Flow {
  provider: string;
  state: string;
  verifier: string;
  next: string;
}

const clients = new Map<string, OAuthClient>();

/** The configured provider of that name, or null. */
async function clientFor(name: string): Promise<OAuthClient | null> {
  const known = clients.get(name);
  if (known) return known;
  const settings = (await services()).env.providers.find((p) => p.name === name);
  if (!settings) return null;
  const client = oauthClient(settings);
  clients.set(name, client);
  return client;
}

const redirectUri = async (name: string) =>
  `${(await services()).env.publicUrl}/auth/${encodeURIComponent(name)}/callback`;

/** Where the owner's browser goes to sign in at the provider; null for a provider that is not configured. */
export async function startProviderSignIn(name: string, next: string): Promise<URL | null> {
  const client = await clientFor(name);
  if (!client) return null;
  const flow: Flow = {
    provider: name,
    state: randomBytes(16).toString('base64url'),
    verifier: randomBytes(32).toString('base64url'),
    next: next.startsWith('/') && !next.startsWith('//') ? next : '/sites',
  };
  const { env } = await services();
  (await cookies()).set(COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.publicUrl.startsWith('https:'),
    path: '/auth',
    maxAge: FLOW_SECONDS,
  });
  return client.authorizationUrl({
    redirectUri: await redirectUri(name),
    state: flow.state,
    codeChallenge: createHash('sha256').update(flow.verifier).digest('base64url'),
  });
}

/**
 * The provider's redirect back: checks it belongs to the flow this browser
 * started, signs the owner in, and says where to go next (or what went wrong).
 */
export async function finishProviderSignIn(
  name: string,
  callback: URL,
): Promise<{ next: string } | { problem: ProviderProblem }> {
  const jar = await cookies();
  const flow = readFlow(jar.get(COOKIE)?.value);
  jar.delete({ name: COOKIE, path: '/auth' });
  const client = await clientFor(name);
  if (!client || !flow || flow.provider !== name || callback.searchParams.get('state') !== flow.state)
    return { problem: 'expired' };
  if (callback.searchParams.has('error')) return { problem: 'declined' };
  const { accounts, addressLimits } = await services();
  const requester = await clientInfo();
  try {
    await addressLimits.attempt('sign_in', requester.ip);
  } catch {
    return { problem: 'limited' };
  }
  // The callback URL as the provider was told it, with the query it sent back.
  const answered = new URL(await redirectUri(name));
  answered.search = callback.search;
  let identity: Awaited<ReturnType<OAuthClient['identify']>>;
  try {
    identity = await client.identify({ callbackUrl: answered, state: flow.state, verifier: flow.verifier });
  } catch (error) {
    console.warn(
      JSON.stringify({ level: 'warn', msg: 'provider sign-in failed', provider: name, err: String(error) }),
    );
    return { problem: 'failed' };
  }
  try {
    const { token } = await accounts.signInWithProvider(name, identity, requester);
    await setSessionCookie(token);
  } catch (error) {
    if (error instanceof Error && error.name === 'ThreadKitError') return { problem: 'no_email' };
    throw error;
  }
  return { next: flow.next };
}

function readFlow(value: string | undefined): Flow | null {
  if (!value) return null;
  try {
    const flow = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Flow>;
    return typeof flow.provider === 'string' &&
      typeof flow.state === 'string' &&
      typeof flow.verifier === 'string' &&
      typeof flow.next === 'string'
      ? (flow as Flow)
      : null;
  } catch {
    return null;
  }
}
