import {
  extractCode,
  freePort,
  type SmtpTestServer,
  startOidcProvider,
  startSmtpServer,
  startTwilioDouble,
  startWidgetStack,
  type TestOidcProvider,
  type TwilioDouble,
  type WidgetStack,
} from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The sign-in dialog in headless Chromium against the real API: codes travel
 * by SMTP to an in-process server, or as texts through a local server speaking
 * Twilio's Messages API, and are read there, and OAuth runs in a
 * popup through a real OpenID provider (playing Google and a company's SSO).
 */

const PASSWORD = 'correct horse battery staple';
/** The number texts come from (`TWILIO_FROM`). */
const SMS_FROM = '+15005550006';
/** Argon2 hashing, e-mail and popups take longer than the default poll of a second. */
const slow = { timeout: 15_000 };

let smtp: SmtpTestServer;
let twilio: TwilioDouble;
let oidc: TestOidcProvider;
let stack: WidgetStack;

beforeAll(async () => {
  smtp = await startSmtpServer();
  twilio = await startTwilioDouble();
  // The API listens at its PUBLIC_URL, where the providers send the popup back,
  // so the callback page and the widget's API share an origin.
  const apiPort = await freePort();
  oidc = await startOidcProvider({
    appUrl: `http://127.0.0.1:${apiPort}`,
    google: true,
    oidc: { corp: 'Corp SSO' },
  });
  stack = await startWidgetStack({
    apiPort,
    env: { SMTP_URL: smtp.url, ...twilio.env, TWILIO_FROM: SMS_FROM, ...oidc.env },
  });
  await settings({ auth_methods: 'password,email_code,google,corp', allow_guests: true });
});
afterAll(async () => {
  await stack?.stop();
  await oidc?.stop();
  await twilio?.stop();
  await smtp?.stop();
});

async function settings(payload: Record<string, unknown>) {
  const response = await stack.api.owner({
    method: 'PUT',
    url: `/v1/sites/${stack.api.site.id}/settings`,
    payload,
  });
  expect(response.statusCode, response.body).toBe(200);
}

let seq = 0;
const newEmail = (name: string) => `${name}-${++seq}@example.test`;
/** A phone number in international form, as the API keeps it. */
const newPhone = () => `+1415555${String(++seq).padStart(4, '0')}`;

const dialog = (page: Page) => page.getByRole('dialog');
const heading = (page: Page) => dialog(page).getByRole('heading').textContent();
const alertText = (page: Page) => dialog(page).getByRole('alert').last().textContent();
const statusText = (page: Page) => dialog(page).getByRole('status').textContent();
/** "Signed in as …", or null while signed out. */
const signedInAs = async (page: Page) =>
  (await page.locator('#threadkit span', { hasText: /^Signed in as / }).allTextContents())[0] ?? null;
/**
 * The account bar's "Sign in" (on sites without guests, the comment box has one too); a guest's
 * bar offers "Create account" instead, beside "Sign out", and it opens the same dialog.
 */
const signInButton = (page: Page) => page.getByRole('button', { name: /^(Sign in|Create account)$/ }).first();

async function openSignIn(page: Page) {
  await signInButton(page).click();
  await expect.poll(() => heading(page), slow).toBe('Sign in');
  return dialog(page);
}

/** Fills in "Create an account" from the sign-in dialog and sends it. */
async function createAccount(page: Page, name: string, login: string, password = PASSWORD) {
  const form = await openSignIn(page);
  await form.getByRole('button', { name: 'Create an account' }).click();
  await expect.poll(() => heading(page)).toBe('Create an account');
  await form.getByLabel('Your name').fill(name);
  await form.getByLabel('E-mail or phone number').fill(login);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Create account' }).click();
  return form;
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect.poll(() => signedInAs(page)).toBeNull();
  expect(await stored(page)).toBeNull();
}

async function signInWithPassword(page: Page, login: string, password: string) {
  const form = await openSignIn(page);
  await form.getByLabel('E-mail or phone number').fill(login);
  await form.getByLabel('Password', { exact: true }).fill(password);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** An account made through the API (its verification code taken from the mailbox). */
async function account(name: string) {
  const email = newEmail(name.toLowerCase().replace(/\W+/g, '-'));
  const response = await stack.api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name, email, password: PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(201);
  await smtp.codeFor(email);
  return email;
}

/** The tokens the widget keeps for this site. */
const stored = (page: Page) =>
  page.evaluate(
    (key) => JSON.parse(localStorage.getItem(key) ?? 'null'),
    `threadkit:${stack.api.site.publicKey}`,
  ) as Promise<{ token: string; user: { id: string; name: string; guest: boolean } } | null>;

async function me(page: Page) {
  const tokens = await stored(page);
  const response = await stack.api.call({ method: 'GET', url: '/v1/users/me', token: tokens!.token });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('e-mail or phone and password', () => {
  it('creates an account, confirms it with the e-mailed code, signs out and back in', async () => {
    const page = await stack.open('register');
    const email = newEmail('ada');
    // Checked before anything is sent, in plain words.
    const form = await createAccount(page, 'Ada Lovelace', 'ada at example');
    await expect
      .poll(() => alertText(page))
      .toBe('Enter an e-mail address, or a phone number starting with + and the country code.');
    await form.getByLabel('E-mail or phone number').fill(email);
    await form.getByRole('button', { name: 'Create account' }).click();

    await expect.poll(() => heading(page), slow).toBe('Confirm your account');
    expect(await statusText(page)).toContain(`We sent a code to \u2068${email}\u2069.`);
    const first = await smtp.codeFor(email);
    // Signed in already; the code confirms the address. A new code replaces the first.
    expect(await signedInAs(page)).toBe('Signed in as Ada Lovelace');
    await form.getByRole('button', { name: 'Send a new code' }).click();
    await expect.poll(() => statusText(page), slow).toBe('We sent a new code.');
    const second = await smtp.codeFor(email);
    await form.getByLabel('6-digit code').fill(first);
    await form.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => alertText(page), slow)
      .toBe('That code is wrong or has expired. Check it, or ask for a new one.');
    await form.getByLabel('6-digit code').fill(second);
    await form.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => dialog(page).count(), slow).toBe(0);
    expect(await me(page)).toMatchObject({ name: 'Ada Lovelace', email, email_verified: true });

    await signOut(page);
    await signInWithPassword(page, email, 'not the password');
    await expect
      .poll(() => alertText(page), slow)
      .toBe('That e-mail or phone number and password do not match.');
    await dialog(page).getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog(page).getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Ada Lovelace');
    expect(await dialog(page).count()).toBe(0);
    await page.context().close();
  });

  it('creates an account by phone, confirms it with the texted code, signs out and back in', async () => {
    const phone = newPhone();
    // Typed as people write numbers; the dialog sends the international form.
    const typed = `${phone.slice(0, 2)} (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    const page = await stack.open('register-phone');
    const form = await createAccount(page, 'Grace', typed);

    await expect.poll(() => heading(page), slow).toBe('Confirm your account');
    expect(await statusText(page)).toBe(`We sent a code to \u2068${phone}\u2069. It works for 10 minutes.`);
    const sms = await twilio.nextMessage(phone);
    expect(sms.from).toBe(SMS_FROM);
    expect(extractCode(sms.body)).toMatch(/^\d{6}$/);
    expect(await signedInAs(page)).toBe('Signed in as Grace');
    // The new code goes by text too, and the code is taken as read out, in two groups.
    await form.getByRole('button', { name: 'Send a new code' }).click();
    await expect.poll(() => statusText(page), slow).toBe('We sent a new code.');
    const code = await twilio.codeFor(phone);
    await form.getByLabel('6-digit code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await form.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => dialog(page).count(), slow).toBe(0);
    const account = await me(page);
    expect(account).toMatchObject({ name: 'Grace', phone, phone_verified: true, email: null });
    expect(twilio.refused).toEqual([]);

    await signOut(page);
    await signInWithPassword(page, typed, PASSWORD);
    await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Grace');
    expect(await dialog(page).count()).toBe(0);
    expect((await me(page)).id).toBe(account.id);
    await page.context().close();
  });

  it('refuses a second account for the same e-mail, pointing to sign-in and reset', async () => {
    const email = await account('Taken');
    const page = await stack.open('taken');
    await createAccount(page, 'Someone Else', email, 'another long passphrase');
    await expect
      .poll(() => alertText(page), slow)
      .toBe('An account with this e-mail or phone number already exists. Sign in, or reset its password.');
    expect(await signedInAs(page)).toBeNull();
    await page.context().close();
  });

  it('resets a forgotten password with the e-mailed code and signs in with the new one', async () => {
    const email = await account('Forgetful');
    const page = await stack.open('forgot');
    const form = await openSignIn(page);
    await form.getByRole('button', { name: 'Forgot your password?' }).click();
    await expect.poll(() => heading(page)).toBe('Reset your password');
    await form.getByLabel('E-mail or phone number').fill(email);
    await form.getByRole('button', { name: 'Send code' }).click();
    await expect.poll(() => heading(page), slow).toBe('Choose a new password');
    expect(await statusText(page)).toBe(
      `If an account uses \u2068${email}\u2069, we sent it a code. It works for 10 minutes.`,
    );
    const code = await smtp.codeFor(email);
    await form.getByLabel('6-digit code').fill(code);
    await form.getByLabel('New password').fill('short');
    await form.getByRole('button', { name: 'Save and sign in' }).click();
    await expect.poll(() => alertText(page)).toBe('Choose a password of at least 8 characters.');
    await form.getByLabel('New password').fill('a brand new passphrase');
    await form.getByRole('button', { name: 'Save and sign in' }).click();
    await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Forgetful');

    const login = (password: string) =>
      stack.api.call({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
    expect((await login(PASSWORD)).statusCode).toBe(401);
    expect((await login('a brand new passphrase')).statusCode).toBe(200);
    await page.context().close();
  });

  it('signing out in one tab signs out the other tab of the same browser, and signing in too', async () => {
    const email = await account('Two Tabs');
    const first = await stack.open('tabs');
    const second = await first.context().newPage();
    await second.goto(first.url());
    await signInWithPassword(first, email, PASSWORD);
    await expect.poll(() => signedInAs(first), slow).toBe('Signed in as Two Tabs');
    await expect.poll(() => signedInAs(second), slow).toBe('Signed in as Two Tabs');

    await first.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => signedInAs(first)).toBeNull();
    await expect.poll(() => signedInAs(second)).toBeNull();
    expect(await signInButton(second).isVisible()).toBe(true);

    await signInWithPassword(second, email, PASSWORD);
    await expect.poll(() => signedInAs(first), slow).toBe('Signed in as Two Tabs');
    await first.context().close();
  });
});

it('signs in with a one-time code by e-mail, creating the account with the given name', async () => {
  const email = newEmail('grace');
  const page = await stack.open('otp');
  const form = await openSignIn(page);
  await form.getByRole('button', { name: 'E-mail me a sign-in code' }).click();
  await expect.poll(() => heading(page)).toBe('Sign in with a code');
  await form.getByLabel('E-mail', { exact: true }).fill(email);
  await form.getByRole('button', { name: 'Send code' }).click();
  await expect.poll(() => heading(page), slow).toBe('Enter your code');
  expect(await statusText(page)).toBe(`We sent a code to \u2068${email}\u2069. It works for 10 minutes.`);
  await form.getByLabel('6-digit code').fill(await smtp.codeFor(email));
  await form.getByLabel('Your name (if you are new here)').fill('Grace Hopper');
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Grace Hopper');
  expect(await me(page)).toMatchObject({ email, email_verified: true, guest: false });
  await page.context().close();
});

describe('OAuth in a popup', () => {
  it('signs in with Google through the provider, and says so when the reader declines', async () => {
    const grace = oidc.person({ email: newEmail('hopper'), email_verified: true, name: 'Grace Hopper' });
    oidc.next = { signInAs: grace.sub };
    const page = await stack.open('oauth');
    const form = await openSignIn(page);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      form.getByRole('button', { name: 'Continue with Google' }).click(),
    ]);
    // The callback page hands the tokens over and closes itself.
    await expect.poll(() => popup.isClosed(), slow).toBe(true);
    await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Grace Hopper');
    expect(await me(page)).toMatchObject({ email: grace.email, email_verified: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    oidc.next = { deny: true };
    const again = await openSignIn(page);
    const [declined] = await Promise.all([
      page.waitForEvent('popup'),
      again.getByRole('button', { name: 'Continue with Corp SSO' }).click(),
    ]);
    await expect.poll(() => declined.isClosed(), slow).toBe(true);
    await expect.poll(() => alertText(page), slow).toBe('Signing in with Corp SSO was cancelled.');
    expect(await signedInAs(page)).toBeNull();
    await page.context().close();
  });

  // The popup must open within the click: the guest's link is fetched ahead, or, when it is
  // not there, fetched with the popup open (blank until then).
  for (const prefetch of ['fetched ahead', 'missing at the click'] as const) {
    it(`a guest who signs in with a provider keeps their comment, now under the provider’s name (link ${prefetch})`, async () => {
      const key = prefetch === 'fetched ahead' ? 'guest-oauth' : 'guest-oauth-late';
      const page = await stack.open(key);
      await page.locator('#threadkit textarea').fill('Written before signing in');
      await page.locator('#threadkit input[aria-label="Your name"]').fill('Passing Guest');
      await page.locator('#threadkit button[type="submit"]').click();
      const author = page.locator('#threadkit .tk-author').first();
      await expect.poll(() => author.textContent(), slow).toBe('Passing Guest');
      const guest = await stored(page);
      expect(guest?.user).toMatchObject({ name: 'Passing Guest', guest: true });

      const starts: URL[] = [];
      page.context().on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/v1/auth/google') starts.push(url);
      });
      let refused = 0;
      let links = 0;
      const linkRoute = '**/v1/auth/google/link';
      page.on('requestfinished', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/v1/auth/google/link')) links++;
      });
      if (prefetch === 'missing at the click') {
        await page.route(linkRoute, (route) => {
          refused++;
          return route.abort();
        });
      }
      const ada = oidc.person({ email: newEmail('ada-guest'), email_verified: true, name: 'Ada Provider' });
      oidc.next = { signInAs: ada.sub };
      // A guest's bar offers an account of their own, never "Sign in" beside "Sign out".
      expect(await page.getByRole('button', { name: 'Sign in', exact: true }).count()).toBe(0);
      const form = await openSignIn(page);
      if (prefetch === 'missing at the click') {
        await expect.poll(() => refused).toBeGreaterThan(0);
        await page.unroute(linkRoute);
      } else {
        await expect.poll(() => links).toBe(1);
      }
      const [popup] = await Promise.all([
        page.waitForEvent('popup'),
        form.getByRole('button', { name: 'Continue with Google' }).click(),
      ]);
      await expect.poll(() => popup.isClosed(), slow).toBe(true);
      await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Ada Provider');
      // The popup carried a link, never the token.
      expect(starts).toHaveLength(1);
      expect(starts[0]!.searchParams.get('link')).toMatch(/^[\w-]{43}$/);
      expect(starts[0]!.href).not.toContain(guest!.token);
      // One link each way: the one fetched ahead, or the one fetched in the click.
      expect(links).toBe(1);
      // The same account as the guest's, no longer a guest: the comment is theirs, under the new name.
      expect(await me(page)).toMatchObject({ id: guest!.user.id, guest: false, email: ada.email });
      await expect.poll(() => author.textContent(), slow).toBe('Ada Provider');
      const edit = page.locator('#threadkit .tk-actions button', { hasText: 'Edit' });
      expect(await edit.count()).toBe(1);
      // No "Sign in" for a guest any more.
      expect(await page.getByRole('button', { name: 'Sign in', exact: true }).count()).toBe(0);
      await page.context().close();
    });
  }

  it('takes the answer only from the popup on the API’s origin', async () => {
    // The person takes their time at the provider: the popup waits there until the forged messages are in.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const kim = oidc.person({ email: newEmail('kim'), email_verified: true, name: 'Kim' });
    oidc.next = { signInAs: kim.sub, until: released };
    const page = await stack.open('forged');
    const form = await openSignIn(page);
    // (Playwright announces a popup only once it has loaded something: this one is still waiting.)
    await form.getByRole('button', { name: 'Continue with Google' }).click();
    await expect
      .poll(() => statusText(page))
      .toBe('Finish signing in with \u2068Google\u2069 in the window that opened.');

    const forged = {
      type: 'threadkit:auth',
      token: 'forged',
      refresh_token: 'forged',
      user: { id: 'mallory', name: 'Mallory' },
    };
    // Heard after the widget's own listener, which was added first: whether each came from the page itself.
    const heard = page.evaluate(
      () =>
        new Promise<boolean[]>((resolve) => {
          const fromPage: boolean[] = [];
          addEventListener('message', (event) => {
            if (fromPage.push(event.source === window) === 2) resolve(fromPage);
          });
        }),
    );
    await page.evaluate((message) => {
      // From the page itself, not the popup…
      postMessage(message, '*');
      // …and from the popup, but on the page's origin: its first, blank document while it waits at the provider.
      const popup = open('', 'threadkit-signin')!;
      popup.setTimeout(`opener.postMessage(${JSON.stringify(message)}, '*')`);
    }, forged);
    expect(await heard).toEqual([true, false]);
    expect(await signedInAs(page)).toBeNull();
    expect(await stored(page)).toBeNull();

    release();
    await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Kim');
    await page.context().close();
  });
  it('says in plain words when the popup is blocked, or closed before the end', async () => {
    const page = await stack.open('popup-trouble');
    await page.evaluate(() => {
      window.open = () => null;
    });
    const blocked = await openSignIn(page);
    await blocked.getByRole('button', { name: 'Continue with Google' }).click();
    await expect
      .poll(() => alertText(page))
      .toBe('Your browser blocked the sign-in window. Allow pop-ups for this site and try again.');

    await page.reload();
    let release = () => {};
    oidc.next = {
      signInAs: oidc.person({ name: 'Hesitant' }).sub,
      until: new Promise<void>((resolve) => {
        release = resolve;
      }),
    };
    const form = await openSignIn(page);
    const google = form.getByRole('button', { name: 'Continue with Google' });
    await google.click();
    await expect.poll(() => google.isDisabled()).toBe(true);
    await page.evaluate(() => open('', 'threadkit-signin')?.close());
    await expect
      .poll(() => statusText(page), slow)
      .toBe('The sign-in window was closed before you finished.');
    expect(await google.isEnabled()).toBe(true);
    expect(await signedInAs(page)).toBeNull();
    release();
    await page.context().close();
  });
});

describe('what the site offers', () => {
  const choices = (page: Page) =>
    dialog(page)
      .locator('button:not([aria-label]), label')
      .evaluateAll((nodes) => nodes.map((node) => node.textContent?.trim()));

  it('a site without guests offers no guest sign-in; with guests a name is enough', async () => {
    await settings({ allow_guests: false });
    try {
      const page = await stack.open('no-guests');
      await openSignIn(page);
      expect(await choices(page)).toEqual([
        'Continue with Google',
        'Continue with Corp SSO',
        'E-mail or phone number',
        'Password',
        'Sign in',
        'Forgot your password?',
        'Create an account',
        'E-mail me a sign-in code',
      ]);
      await page.context().close();
    } finally {
      await settings({ allow_guests: true });
    }

    // The site's own words for the dialog, as overrides under `signIn`.
    const page = await stack.open('guests', {
      'data-strings': '{"signIn": {"steps": {"guest": "Just your name"}}}',
    });
    const form = await openSignIn(page);
    await form.getByRole('button', { name: 'Comment as a guest' }).click();
    await expect.poll(() => heading(page)).toBe('Just your name');
    await form.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => alertText(page)).toBe('Please enter your name.');
    await form.getByLabel('Your name').fill('Passer-by');
    await form.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => signedInAs(page), slow).toBe('Signed in as Passer-by');
    expect((await stored(page))?.user).toMatchObject({ name: 'Passer-by', guest: true });
    await page.context().close();
  });

  it('a site with only guests asks for the name straight away', async () => {
    await settings({ auth_methods: '' });
    try {
      const page = await stack.open('only-guests');
      await signInButton(page).click();
      await expect.poll(() => choices(page)).toEqual(['Your name', 'Continue']);
      await page.context().close();
    } finally {
      await settings({ auth_methods: 'password,email_code,google,corp' });
    }
  });
});

it('is used with the keyboard alone, in Arabic, right to left', async () => {
  const page = await stack.open('arabic', { 'data-lang': 'ar' });
  const opener = page.getByRole('button', { name: 'تسجيل الدخول', exact: true }).first();
  await opener.focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => heading(page), slow).toBe('تسجيل الدخول');
  const focused = () =>
    page.evaluate(() => document.querySelector('#threadkit')?.shadowRoot?.activeElement?.textContent);
  // Focus starts at the first way to sign in.
  await expect.poll(focused).toBe('المتابعة باستخدام Google');
  const direction = (node: Element) => getComputedStyle(node).direction;
  expect(await dialog(page).evaluate(direction)).toBe('rtl');
  // Addresses and numbers read left to right, so the + of a phone number stays in front.
  expect(await dialog(page).getByLabel('البريد الإلكتروني أو رقم الهاتف').evaluate(direction)).toBe('ltr');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not an address');
  await page.keyboard.press('Enter');
  await expect
    .poll(() => alertText(page))
    .toBe('أدخل بريدًا إلكترونيًا، أو رقم هاتف يبدأ بالعلامة + ثم رمز البلد.');
  // Escape closes the dialog and gives focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect.poll(() => dialog(page).count()).toBe(0);
  await expect.poll(focused).toBe('تسجيل الدخول');
  await page.context().close();
});
