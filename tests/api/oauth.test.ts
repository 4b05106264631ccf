import { createHash, randomBytes } from 'node:crypto';
import {
  DEFAULT_SETTINGS,
  generateApiKey,
  hashPassword,
  keys,
  newId,
  newUser,
  SiteStore,
  UserStore,
} from '@threadkit/core';
import {
  freePort,
  type GitHubDouble,
  type OidcClaims,
  type OidcDecision,
  startGitHubDouble,
  startOidcProvider,
  startTestApi,
  TEST_ORIGIN,
  type TestApi,
  type TestOidcProvider,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Sign-in with providers (`api.md`, Auth: OAuth with
 * state and PKCE, the token only for the origin that started the flow). A real
 * OpenID provider (`oidc-provider`) plays Google and a generic OIDC provider;
 * a small local server speaks GitHub's OAuth and API. The app listens on a real
 * port so the providers can redirect to it; redirects are followed by hand.
 */

const LIST = `/v1/comments?page_url=${encodeURIComponent('https://blog.example.com/oauth')}`;

let api: TestApi;
let appUrl: string;
let oidc: TestOidcProvider;
let github: GitHubDouble;

/** A person the OpenID provider knows. */
const person = (claims: Omit<OidcClaims, 'sub'>) => oidc.person(claims);

const uniqueEmail = (name: string) => `${name}-${randomBytes(4).toString('hex')}@example.com`;

beforeAll(async () => {
  const appPort = await freePort();
  appUrl = `http://127.0.0.1:${appPort}`;

  // A real OpenID provider plays Google and a company's single sign-on ("corp").
  oidc = await startOidcProvider({ appUrl, google: true, oidc: { corp: 'Corp SSO' } });
  github = await startGitHubDouble(appUrl);

  api = await startTestApi({
    env: { ...oidc.env, ...github.env },
  });
  // Google and GitHub are enabled by default; an OIDC provider needs the owner to add it.
  await api.context.sites.setSetting(api.site.id, 'auth_methods', 'password,email_code,google,github,corp');
  await api.app.listen({ port: appPort, host: '127.0.0.1' });
});

afterAll(async () => {
  await api?.stop();
  await github?.close();
  await oidc?.stop();
});

/** The start URL; `link` hands a guest to the flow. */
function startUrl(provider: string, origin = TEST_ORIGIN, key = api.site.publicKey, link?: string) {
  const query = new URLSearchParams({ project_id: key, origin, ...(link !== undefined ? { link } : {}) });
  return `${appUrl}/v1/auth/${provider}?${query}`;
}

/**
 * Opens the start URL and follows the redirects through the provider (login and
 * consent answered as `as` says; GitHub's double has its own `signInAs`) like a
 * browser, up to the callback, which it does not open.
 */
async function authorize(
  provider: string,
  as: OidcDecision | null,
  origin = TEST_ORIGIN,
  link?: string,
): Promise<{ callback: string; authorization: URL }> {
  if (as) oidc.next = as;
  const start = await fetch(startUrl(provider, origin, api.site.publicKey, link), { redirect: 'manual' });
  expect(start.status, await start.clone().text()).toBe(302);
  const authorization = new URL(start.headers.get('location')!);
  const cookies = new Map<string, string>();
  let url = authorization.href;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(`${appUrl}/v1/auth/${provider}/callback`)) return { callback: url, authorization };
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url}: ${response.status} ${await response.text()}`);
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}

interface Page {
  status: number;
  contentType: string;
  html: string;
  /** What the page's script posts, and to which origin; null for a plain-text page. */
  posted: { origin: string; message: Record<string, unknown> } | null;
}

/** Opens the callback and reads the page: what its script would post, checking its CSP allows only that script. */
async function openCallback(url: string): Promise<Page> {
  const response = await fetch(url, { redirect: 'manual' });
  const html = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  expect(response.headers.get('cache-control')).toBe('no-store');
  if (!contentType.startsWith('text/html'))
    return { status: response.status, contentType, html, posted: null };
  const scripts = [...html.matchAll(/<script nonce="([^"]+)">/g)];
  expect(scripts).toHaveLength(1);
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toContain(`script-src 'nonce-${scripts[0]![1]}'`);
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(response.headers.get('cross-origin-opener-policy')).toBe('unsafe-none');
  const data = /var data = (.*);\n/.exec(html)?.[1];
  expect(data, html).toBeDefined();
  // Nothing in the data could end the script element or the line.
  expect(data).not.toMatch(/[<>&\u2028\u2029]/);
  expect(html).toContain('window.opener.postMessage(data.message, data.origin)');
  return { status: response.status, contentType, html, posted: JSON.parse(data!) };
}

/** A full sign-in through the provider (handing over a guest with `link`): the page's posted message. */
async function signIn(provider: string, as: { signInAs: string }, origin = TEST_ORIGIN, link?: string) {
  const { callback } = await authorize(provider, as, origin, link);
  const page = await openCallback(callback);
  expect(page.status, page.html).toBe(200);
  expect(page.posted?.origin).toBe(origin);
  return page.posted!.message as {
    type: string;
    token: string;
    refresh_token: string;
    user: Record<string, unknown> & { id: string };
  };
}

/** The part of the state after the site id: the Redis record's name. */
const stateSecret = (url: string) => new URL(url).searchParams.get('state')!.split('.')[1]!;

const tokenWorks = async (token: string) => (await api.call({ method: 'GET', url: LIST, token })).statusCode;

/** An account created directly in the store, with a password, its e-mail verified or not. */
async function existingAccount(email: string, verified: boolean) {
  const user = newUser({ id: newId(), name: 'Existing', email, email_verified: verified });
  const created = await new UserStore(api.redis).createWithLogin(
    api.site.id,
    user,
    { kind: 'email', value: email },
    await hashPassword('correct horse battery staple'),
  );
  expect(created).toBe(true);
  return user;
}

const passwordLogin = (email: string) =>
  api.call({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: 'correct horse battery staple' },
  });

describe('GET /v1/auth/:provider (start)', () => {
  it('redirects to the provider with state, an S256 PKCE challenge, the scopes and the redirect URI', async () => {
    const response = await fetch(startUrl('google'), { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe(oidc.issuer);
    const params = location.searchParams;
    expect(params.get('client_id')).toBe('google-client');
    expect(params.get('response_type')).toBe('code');
    expect(params.get('scope')).toBe('openid email profile');
    expect(params.get('redirect_uri')).toBe(`${appUrl}/v1/auth/google/callback`);
    expect(params.get('code_challenge_method')).toBe('S256');
    const state = params.get('state')!;
    expect(state).toMatch(new RegExp(`^${api.site.id}\\.[A-Za-z0-9_-]{43}$`));

    // The flow is remembered in Redis for a while, with the verifier behind the challenge.
    const key = keys.oauthState(api.site.id, stateSecret(location.href));
    const record = JSON.parse((await api.redis.get(key))!);
    expect(record).toMatchObject({ provider: 'google', origin: TEST_ORIGIN });
    expect(createHash('sha256').update(record.verifier).digest('base64url')).toBe(
      params.get('code_challenge'),
    );
    const ttl = await api.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);

    // Each start is a new flow.
    const again = new URL((await fetch(startUrl('google'), { redirect: 'manual' })).headers.get('location')!);
    expect(again.searchParams.get('state')).not.toBe(state);
    expect(again.searchParams.get('code_challenge')).not.toBe(params.get('code_challenge'));
  });

  it('refuses an origin the site does not allow with 403, and a malformed one', async () => {
    for (const origin of [
      'https://evil.example',
      'null',
      'blog.example.com',
      'https://blog.example.com.evil.example',
    ]) {
      const response = await fetch(startUrl('google', origin), { redirect: 'manual' });
      expect(response.status, origin).toBe(403);
      expect((await response.json()).code).toBe('origin_not_allowed');
    }
  });

  it('needs the public key in project_id: none is 401, a secret key is 403', async () => {
    const none = await fetch(`${appUrl}/v1/auth/google?origin=${encodeURIComponent(TEST_ORIGIN)}`, {
      redirect: 'manual',
    });
    expect(none.status).toBe(401);
    const header = await fetch(`${appUrl}/v1/auth/google?origin=${encodeURIComponent(TEST_ORIGIN)}`, {
      redirect: 'manual',
      headers: { projectid: api.site.publicKey },
    });
    expect(header.status).toBe(401);
    const secret = await fetch(startUrl('google', TEST_ORIGIN, api.site.secretKey), { redirect: 'manual' });
    expect(secret.status).toBe(403);
    expect((await secret.json()).code).toBe('forbidden');
    const unknown = await fetch(startUrl('google', TEST_ORIGIN, `tk_pub_${'A'.repeat(43)}`), {
      redirect: 'manual',
    });
    expect(unknown.status).toBe(401);
  });

  it('is 404 for an unknown provider, and for a configured one the site has not enabled', async () => {
    for (const provider of ['facebook', 'password', 'methods-x']) {
      const response = await fetch(startUrl(provider), { redirect: 'manual' });
      expect(response.status, provider).toBe(404);
      expect((await response.json()).code).toBe('not_found');
    }
    await api.context.sites.setSetting(api.site.id, 'auth_methods', 'password,google,github');
    try {
      const response = await fetch(startUrl('corp'), { redirect: 'manual' });
      expect(response.status).toBe(404);
      const methods = await api.call({ method: 'GET', url: '/v1/auth/methods' });
      expect(methods.json().methods).not.toContain('corp');
    } finally {
      await api.context.sites.setSetting(
        api.site.id,
        'auth_methods',
        'password,email_code,google,github,corp',
      );
    }
  });

  it('lists the configured, enabled providers in GET /v1/auth/methods, with their labels', async () => {
    const response = await api.call({ method: 'GET', url: '/v1/auth/methods' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      methods: ['guest', 'password', 'email_code', 'google', 'github', 'corp'],
      labels: { google: 'Google', github: 'GitHub', corp: 'Corp SSO' },
    });
  });
});

describe('GET /v1/auth/:provider/callback (OpenID Connect)', () => {
  it('signs a new person up and posts token, refresh token and user to exactly the starting origin', async () => {
    const ada = person({
      email: uniqueEmail('ada'),
      email_verified: true,
      name: 'Ada Lovelace',
      picture: 'https://images.example.com/ada.png',
    });
    const message = await signIn('google', { signInAs: ada.sub });
    expect(message.type).toBe('threadkit:auth');
    expect(message.user).toMatchObject({
      name: 'Ada Lovelace',
      email: ada.email,
      email_verified: true,
      avatar_url: 'https://images.example.com/ada.png',
      guest: false,
      role: 'user',
    });
    expect(await tokenWorks(message.token)).toBe(200);
    const refreshed = await api.call({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: message.refresh_token },
    });
    expect(refreshed.statusCode).toBe(200);

    // The same identity signs in to the same account, from another allowed origin too.
    const again = await signIn('google', { signInAs: ada.sub }, 'http://localhost:3000');
    expect(again.user.id).toBe(message.user.id);
    expect(await tokenWorks(again.token)).toBe(200);
    expect(await api.redis.get(keys.identity(api.site.id, 'google', ada.sub))).toBe(message.user.id);
    expect(await api.redis.smembers(keys.userIdentities(api.site.id, message.user.id))).toEqual([
      `google:${ada.sub}`,
    ]);
  });

  it('links a verified e-mail to the existing account with that e-mail, which keeps its password', async () => {
    const email = uniqueEmail('grace');
    const existing = await existingAccount(email, true);
    const grace = person({ email: email.toUpperCase(), email_verified: true, name: 'Grace Hopper' });
    const message = await signIn('corp', { signInAs: grace.sub });
    expect(message.user.id).toBe(existing.id);
    expect(message.user.name).toBe('Existing');
    expect(await tokenWorks(message.token)).toBe(200);
    expect((await passwordLogin(email)).statusCode).toBe(200);
    // Next time the identity alone finds it.
    expect((await signIn('corp', { signInAs: grace.sub })).user.id).toBe(existing.id);
  });

  it('links to an account whose e-mail was never verified only by taking it from whoever registered it', async () => {
    const email = uniqueEmail('squatted');
    const squatter = await existingAccount(email, false);
    const login = await passwordLogin(email);
    expect(login.statusCode).toBe(200);
    const owner = person({ email, email_verified: true, name: 'Rightful Owner' });
    const message = await signIn('google', { signInAs: owner.sub });
    expect(message.user.id).toBe(squatter.id);
    expect(message.user.email_verified).toBe(true);
    // The password and sessions set up without proof of the address are gone.
    expect((await passwordLogin(email)).statusCode).toBe(401);
    expect(await tokenWorks(login.json().token)).toBe(401);
    expect(await tokenWorks(message.token)).toBe(200);
  });

  it('does not link when the provider has not verified the e-mail: a separate account is created', async () => {
    const email = uniqueEmail('victim');
    const victim = await existingAccount(email, true);
    const impostor = person({ email, email_verified: false, name: 'Impostor' });
    const message = await signIn('google', { signInAs: impostor.sub });
    expect(message.user.id).not.toBe(victim.id);
    expect(message.user).toMatchObject({ name: 'Impostor', email_verified: false });
    expect(await api.redis.get(keys.login(api.site.id, 'email', email))).toBe(victim.id);
    expect((await passwordLogin(email)).json().user.id).toBe(victim.id);
  });

  it('signs an identity whose account was erased in to a new account', async () => {
    const eve = person({ email: uniqueEmail('eve'), email_verified: true, name: 'Eve' });
    const first = await signIn('google', { signInAs: eve.sub });
    const erased = await api.call({ method: 'DELETE', url: '/v1/users/me', token: first.token });
    expect(erased.statusCode, erased.body).toBe(204);
    const second = await signIn('google', { signInAs: eve.sub });
    expect(second.user.id).not.toBe(first.user.id);
    expect(second.user).toMatchObject({ name: 'Eve', email: eve.email, email_verified: true });
    expect(await api.redis.get(keys.identity(api.site.id, 'google', eve.sub))).toBe(second.user.id);
  });

  it('names a new account after the e-mail when the provider gives no name', async () => {
    const email = uniqueEmail('nameless');
    const nameless = person({ email, email_verified: true });
    const message = await signIn('corp', { signInAs: nameless.sub });
    expect(message.user.name).toBe(email.split('@')[0]);
  });

  it('cleans the provider’s name: no bidi controls or zero-width characters', async () => {
    const email = uniqueEmail('bidi');
    const tricky = person({ email, email_verified: true, name: '\u2067Ada\u200B  Lovelace\u2069\u202E' });
    const message = await signIn('corp', { signInAs: tricky.sub });
    expect(message.user.name).toBe('Ada Lovelace');
    // Nothing visible left: named after the e-mail instead.
    const blank = person({ email: uniqueEmail('blank'), email_verified: true, name: '\u202E\u200B\uFEFF' });
    const named = await signIn('corp', { signInAs: blank.sub });
    expect(named.user.name).toBe(blank.email!.split('@')[0]);
  });

  it('does not take a name that passes for a moderator’s: the e-mail names the account', async () => {
    const email = uniqueEmail('mod');
    const moderator = await existingAccount(email, true);
    await new UserStore(api.redis).update(api.site.id, moderator.id, { name: 'Moderator Lee' });
    await api.promote(moderator.id, 'moderator');
    const impostor = person({ email: uniqueEmail('impostor'), email_verified: true, name: 'M0derator  LEE' });
    const message = await signIn('corp', { signInAs: impostor.sub });
    expect(message.user.name).toBe(impostor.email!.split('@')[0]);
  });

  it('escapes what it puts in the page', async () => {
    const name = '</script><script>alert(1)</script> & <b>';
    const tricky = person({ email: uniqueEmail('tricky'), email_verified: true, name });
    const message = await signIn('google', { signInAs: tricky.sub });
    expect(message.user.name).toBe(name);
  });

  it('answers a reused callback with a plain-text page that posts nothing', async () => {
    const pat = person({ email: uniqueEmail('pat'), email_verified: true, name: 'Pat' });
    const { callback } = await authorize('google', { signInAs: pat.sub });
    expect((await openCallback(callback)).status).toBe(200);
    const reused = await openCallback(callback);
    expect(reused.status).toBe(400);
    expect(reused.contentType).toMatch(/^text\/plain/);
    expect(reused.posted).toBeNull();
    expect(reused.html).not.toMatch(/token/i);
  });

  it('answers an unknown, malformed or missing state with a plain-text page', async () => {
    const sam = person({ email: uniqueEmail('sam'), email_verified: true, name: 'Sam' });
    const { callback } = await authorize('google', { signInAs: sam.sub });
    const url = new URL(callback);
    for (const state of [`${api.site.id}.${randomBytes(32).toString('base64url')}`, 'nonsense', null]) {
      const forged = new URL(url);
      if (state === null) forged.searchParams.delete('state');
      else forged.searchParams.set('state', state);
      const page = await openCallback(forged.href);
      expect(page.status, String(state)).toBe(400);
      expect(page.posted).toBeNull();
    }
    // The real state is still good for its own code.
    expect((await openCallback(callback)).status).toBe(200);
  });

  it("refuses another flow's state: its verifier does not match the code's challenge", async () => {
    const one = person({ email: uniqueEmail('one'), email_verified: true, name: 'One' });
    const two = person({ email: uniqueEmail('two'), email_verified: true, name: 'Two' });
    const first = new URL((await authorize('google', { signInAs: one.sub })).callback);
    const second = new URL((await authorize('google', { signInAs: two.sub })).callback);
    const swapped = new URL(first);
    swapped.searchParams.set('state', second.searchParams.get('state')!);
    const page = await openCallback(swapped.href);
    expect(page.status).toBe(400);
    expect(page.posted).toEqual({
      origin: TEST_ORIGIN,
      message: { type: 'threadkit:auth', error: 'provider_error' },
    });
  });

  it('refuses a state started for another provider, telling the starting origin', async () => {
    const kim = person({ email: uniqueEmail('kim'), email_verified: true, name: 'Kim' });
    const { callback } = await authorize('google', { signInAs: kim.sub });
    const elsewhere = callback.replace('/v1/auth/google/callback', '/v1/auth/corp/callback');
    const page = await openCallback(elsewhere);
    expect(page.status).toBe(400);
    expect(page.posted).toEqual({
      origin: TEST_ORIGIN,
      message: { type: 'threadkit:auth', error: 'invalid_state' },
    });
    // That used the state up.
    expect((await openCallback(callback)).posted).toBeNull();
  });

  it('fails the exchange when the stored PKCE verifier was tampered with', async () => {
    const lee = person({ email: uniqueEmail('lee'), email_verified: true, name: 'Lee' });
    const { callback } = await authorize('google', { signInAs: lee.sub });
    const key = keys.oauthState(api.site.id, stateSecret(callback));
    const record = JSON.parse((await api.redis.get(key))!);
    await api.redis.set(
      key,
      JSON.stringify({ ...record, verifier: randomBytes(32).toString('base64url') }),
      'KEEPTTL',
    );
    const page = await openCallback(callback);
    expect(page.status).toBe(400);
    expect(page.posted).toEqual({
      origin: TEST_ORIGIN,
      message: { type: 'threadkit:auth', error: 'provider_error' },
    });
    expect(page.html).not.toContain('token"');
    expect(await api.redis.get(keys.identity(api.site.id, 'google', lee.sub))).toBeNull();
  });

  it('posts access_denied when the person declines at the provider', async () => {
    const { callback } = await authorize('google', { deny: true });
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const page = await openCallback(callback);
    expect(page.status).toBe(400);
    expect(page.posted).toEqual({
      origin: TEST_ORIGIN,
      message: { type: 'threadkit:auth', error: 'access_denied' },
    });
  });

  it('is a JSON 404 for a provider that is not configured', async () => {
    const response = await fetch(`${appUrl}/v1/auth/facebook/callback?code=x&state=y`);
    expect(response.status).toBe(404);
    expect((await response.json()).code).toBe('not_found');
  });
});

describe('a guest signing in with a provider (POST /v1/auth/:provider/link)', () => {
  const linkFor = async (provider: string, token?: string, key?: string) =>
    api.call({
      method: 'POST',
      url: `/v1/auth/${provider}/link`,
      ...(token ? { token } : {}),
      ...(key ? { headers: { projectid: key } } : {}),
    });

  /** A single-use link for the guest's popup. */
  async function guestLink(provider: string, token: string): Promise<string> {
    const response = await linkFor(provider, token);
    expect(response.statusCode, response.body).toBe(200);
    const { link } = response.json();
    expect(link).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return link;
  }

  /** A start that refuses its link: a page that tells the opener `invalid_link`, and no redirect. */
  async function expectRefusedLink(provider: string, link: string, key = api.site.publicKey) {
    const page = await openCallback(startUrl(provider, TEST_ORIGIN, key, link));
    expect(page.status).toBe(400);
    expect(page.posted).toEqual({
      origin: TEST_ORIGIN,
      message: { type: 'threadkit:auth', error: 'invalid_link' },
    });
  }

  /** A guest with a comment on a fresh page, and how to read that page. */
  async function guestWithComment(name: string) {
    const guest = await api.guest(name);
    const url = `https://blog.example.com/guest-${randomBytes(4).toString('hex')}`;
    const posted = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token: guest.token,
      payload: { page_url: url, content: 'Written as a guest' },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    const read = async (token?: string) => {
      const response = await api.call({
        method: 'GET',
        url: `/v1/comments?page_url=${encodeURIComponent(url)}`,
        ...(token ? { token } : {}),
      });
      return response.json().tree.comments as { i: string; a: string; n: string }[];
    };
    // Read once before, so the anonymous view is cached with the guest's name.
    expect((await read())[0]).toMatchObject({ a: guest.userId, n: name });
    return { guest, comment: posted.json().comment.i as string, read };
  }

  it('upgrades the guest in place: same id and comments, the provider’s name and e-mail, no longer a guest', async () => {
    const { guest, comment, read } = await guestWithComment('Passer-by');
    const link = await guestLink('google', guest.token);
    const ada = person({ email: uniqueEmail('guest-ada'), email_verified: true, name: 'Ada Upgraded' });
    const message = await signIn('google', { signInAs: ada.sub }, TEST_ORIGIN, link);
    expect(message.user).toMatchObject({
      id: guest.userId,
      name: 'Ada Upgraded',
      email: ada.email,
      email_verified: true,
      guest: false,
    });
    // The guest session ended, as when a guest registers; the new one works.
    expect(await tokenWorks(guest.token)).toBe(401);
    expect(await tokenWorks(message.token)).toBe(200);
    const me = await api.call({ method: 'GET', url: '/v1/users/me', token: message.token });
    expect(me.json()).toMatchObject({ id: guest.userId, guest: false, email_verified: true });

    // The comment is theirs under the new name, for them and (its cache rebuilt) for everyone.
    expect(await read(message.token)).toEqual([
      expect.objectContaining({ i: comment, a: guest.userId, n: 'Ada Upgraded' }),
    ]);
    await expect.poll(async () => (await read())[0]?.n).toBe('Ada Upgraded');
    const edited = await api.call({
      method: 'PUT',
      url: `/v1/comments/${comment}`,
      token: message.token,
      payload: { content: 'Edited after signing in' },
    });
    expect(edited.statusCode, edited.body).toBe(200);

    // The identity and the verified e-mail now lead to this account.
    expect(await api.redis.get(keys.identity(api.site.id, 'google', ada.sub))).toBe(guest.userId);
    expect(await api.redis.get(keys.login(api.site.id, 'email', ada.email!))).toBe(guest.userId);
    expect((await signIn('google', { signInAs: ada.sub })).user.id).toBe(guest.userId);
  });

  it('keeps an unverified e-mail unclaimed when upgrading', async () => {
    const guest = await api.guest('Unsure');
    const link = await guestLink('corp', guest.token);
    const email = uniqueEmail('unverified-guest');
    const unsure = person({ email, email_verified: false, name: 'Unsure Later' });
    const message = await signIn('corp', { signInAs: unsure.sub }, TEST_ORIGIN, link);
    expect(message.user).toMatchObject({ id: guest.userId, guest: false, email, email_verified: false });
    expect(await api.redis.get(keys.login(api.site.id, 'email', email))).toBeNull();
  });

  it('signs an identity that already has an account in to it, and leaves the guest a guest', async () => {
    const known = person({ email: uniqueEmail('known'), email_verified: true, name: 'Known' });
    const account = await signIn('google', { signInAs: known.sub });
    const { guest, read } = await guestWithComment('Still a guest');
    const message = await signIn(
      'google',
      { signInAs: known.sub },
      TEST_ORIGIN,
      await guestLink('google', guest.token),
    );
    expect(message.user.id).toBe(account.user.id);
    expect(message.user.name).toBe('Known');
    // The guest is untouched: still signed in, still a guest, the comment still theirs.
    const me = await api.call({ method: 'GET', url: '/v1/users/me', token: guest.token });
    expect(me.json()).toMatchObject({ id: guest.userId, guest: true, name: 'Still a guest' });
    expect((await read())[0]).toMatchObject({ a: guest.userId, n: 'Still a guest' });

    // So is a verified e-mail of an existing account.
    const email = uniqueEmail('owned');
    const owner = await existingAccount(email, true);
    const other = await api.guest('Another guest');
    const byEmail = person({ email, email_verified: true, name: 'Owner Again' });
    const viaEmail = await signIn(
      'corp',
      { signInAs: byEmail.sub },
      TEST_ORIGIN,
      await guestLink('corp', other.token),
    );
    expect(viaEmail.user.id).toBe(owner.id);
    expect(await tokenWorks(other.token)).toBe(200);
    const stillGuest = await api.call({ method: 'GET', url: '/v1/users/me', token: other.token });
    expect(stillGuest.json()).toMatchObject({ guest: true });
  });

  it('is only for guests, with a provider the site offers', async () => {
    expect((await linkFor('google')).statusCode).toBe(401);
    const account = await signIn('google', {
      signInAs: person({ email: uniqueEmail('member'), email_verified: true, name: 'Member' }).sub,
    });
    const member = await linkFor('google', account.token);
    expect(member.statusCode).toBe(403);
    expect(member.json().code).toBe('forbidden');
    const guest = await api.guest('Guest');
    for (const provider of ['facebook', 'password']) {
      const response = await linkFor(provider, guest.token);
      expect(response.statusCode, provider).toBe(404);
    }
  });

  it('works once, for its own provider, for 10 minutes', async () => {
    const guest = await api.guest('Twice');
    const link = await guestLink('google', guest.token);
    // Redis keeps a digest of it, not the link itself, with a 10-minute expiry.
    const digest = createHash('sha256').update(link).digest('hex');
    const key = keys.oauthLink(api.site.id, digest);
    const record = JSON.parse((await api.redis.get(key))!);
    expect(record).toEqual({ provider: 'google', user: guest.userId, session: expect.any(String) });
    const ttl = await api.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await api.redis.keys(`*${link}*`)).toEqual([]);

    // Used by one start: a second start with it is refused, and the guest is still a guest.
    const first = await fetch(startUrl('google', TEST_ORIGIN, api.site.publicKey, link), {
      redirect: 'manual',
    });
    expect(first.status).toBe(302);
    await expectRefusedLink('google', link);

    // A link for Google does not start Corp's sign-in (and is used up trying).
    const google = await guestLink('google', guest.token);
    await expectRefusedLink('corp', google);
    await expectRefusedLink('google', google);

    // Expired (its key gone, as after 10 minutes): refused.
    const late = await guestLink('google', guest.token);
    await api.redis.expire(keys.oauthLink(api.site.id, createHash('sha256').update(late).digest('hex')), 0);
    await expectRefusedLink('google', late);
    await expectRefusedLink('google', randomBytes(32).toString('base64url'));
    expect((await api.call({ method: 'GET', url: '/v1/users/me', token: guest.token })).json().guest).toBe(
      true,
    );
  });

  it('is refused by another site', async () => {
    const other = { id: newId(), publicKey: generateApiKey('public'), secretKey: generateApiKey('secret') };
    await new SiteStore(api.redis).create(
      {
        id: other.id,
        name: 'Other site',
        domain: null,
        settings: { ...DEFAULT_SETTINGS, allowed_origins: [TEST_ORIGIN] },
        created_at: Math.floor(Date.now() / 1000),
      },
      other,
    );
    const guest = await api.guest('Wanderer');
    const link = await guestLink('google', guest.token);
    // The other site starts sign-ins, but has never heard of this link.
    const plain = await fetch(startUrl('google', TEST_ORIGIN, other.publicKey), { redirect: 'manual' });
    expect(plain.status).toBe(302);
    await expectRefusedLink('google', link, other.publicKey);
    // A link is no token of that site either.
    expect((await linkFor('google', guest.token, other.publicKey)).statusCode).toBe(401);
  });

  it('is useless without the flow it started: no token, no state, no replay', async () => {
    const guest = await api.guest('Careful');
    const link = await guestLink('google', guest.token);
    expect(await tokenWorks(link)).toBe(401);
    const asState = await openCallback(
      `${appUrl}/v1/auth/google/callback?code=x&state=${api.site.id}.${link}`,
    );
    expect(asState.status).toBe(400);
    expect(asState.posted).toBeNull();

    // Its flow carries the guest; the link cannot start another, and the flow's state works once.
    const mia = person({ email: uniqueEmail('mia'), email_verified: true, name: 'Mia' });
    const { callback } = await authorize('google', { signInAs: mia.sub }, TEST_ORIGIN, link);
    expect(
      JSON.parse((await api.redis.get(keys.oauthState(api.site.id, stateSecret(callback))))!).guest,
    ).toEqual({
      user: guest.userId,
      session: expect.any(String),
    });
    await expectRefusedLink('google', link);
    expect((await openCallback(callback)).posted?.message).toMatchObject({ user: { id: guest.userId } });
    expect((await openCallback(callback)).posted).toBeNull();
  });
});

describe('GitHub', () => {
  it('redirects with the GitHub scopes and PKCE, and signs in with the primary verified e-mail', async () => {
    const octocat = github.addUser({
      login: 'octocat',
      name: null,
      emails: [
        { email: uniqueEmail('octo-other'), primary: false, verified: true },
        { email: uniqueEmail('octo'), primary: true, verified: true },
      ],
    });
    github.signInAs = octocat;
    const { callback, authorization } = await authorize('github', null);
    expect(authorization.origin + authorization.pathname).toBe(`${github.url}/login/oauth/authorize`);
    expect(authorization.searchParams.get('scope')).toBe('read:user user:email');
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${appUrl}/v1/auth/github/callback`);
    const page = await openCallback(callback);
    expect(page.status, page.html).toBe(200);
    expect(page.posted?.origin).toBe(TEST_ORIGIN);
    const message = page.posted!.message as { token: string; user: Record<string, unknown> };
    expect(message.user).toMatchObject({
      name: 'octocat',
      email: octocat.emails[1]!.email,
      email_verified: true,
      avatar_url: `https://avatars.example.com/${octocat.id}.png`,
    });
    expect(await tokenWorks(message.token)).toBe(200);
    expect(github.exchanges).toContainEqual({ code_verifier_matched: true, client_authenticated: true });
  });

  it('keeps an unverified primary e-mail unverified and unlinked', async () => {
    const email = uniqueEmail('gh-victim');
    const victim = await existingAccount(email, true);
    const user = github.addUser({
      login: 'mallory',
      name: 'Mallory',
      emails: [{ email, primary: true, verified: false }],
    });
    github.signInAs = user;
    const page = await openCallback((await authorize('github', null)).callback);
    const message = page.posted!.message as { user: { id: string; email_verified: boolean } };
    expect(message.user.id).not.toBe(victim.id);
    expect(message.user.email_verified).toBe(false);
  });

  it('fails when the verifier does not match the challenge (GitHub answers 200 with an error)', async () => {
    const user = github.addUser({ login: 'pkce', name: 'P', emails: [] });
    github.signInAs = user;
    const { callback } = await authorize('github', null);
    const key = keys.oauthState(api.site.id, stateSecret(callback));
    const record = JSON.parse((await api.redis.get(key))!);
    await api.redis.set(
      key,
      JSON.stringify({ ...record, verifier: randomBytes(32).toString('base64url') }),
      'KEEPTTL',
    );
    const page = await openCallback(callback);
    expect(page.posted).toEqual({
      origin: TEST_ORIGIN,
      message: { type: 'threadkit:auth', error: 'provider_error' },
    });
  });

  it('posts access_denied when the person declines', async () => {
    github.signInAs = null;
    const page = await openCallback((await authorize('github', null)).callback);
    expect(page.posted).toEqual({
      origin: TEST_ORIGIN,
      message: { type: 'threadkit:auth', error: 'access_denied' },
    });
  });
});
