import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Tokens } from '../../api.js';
import { isolate } from '../../i18n/bidi.js';
import { useFeatureStrings } from '../../i18n/feature.js';
import type { PanelProps } from '../context.js';
import { Dialog } from '../dialog/Dialog.js';
import { useElementId } from '../ids.js';
import { loaders } from './i18n/index.js';
import {
  type Action,
  type GuestLink,
  InputProblem,
  isAuthMessage,
  type Login,
  loginText,
  oauthProblem,
  oauthStartUrl,
  type Problem,
  parseCode,
  parseLogin,
  popupFeatures,
  problemOf,
  takeFreshLink,
} from './logic.js';
import styles from './signin.css?inline';

/** `GET /v1/auth/methods`: `guest`, `password`, `email_code` and OAuth provider names, with the providers' labels. */
interface Methods {
  methods: string[];
  labels?: Record<string, string>;
}

/** The methods that are forms here, in the order the first one offered is shown first; the rest are providers. */
const FORMS = ['password', 'email_code', 'guest'] as const;
type FormMethod = (typeof FORMS)[number];
/** How long a code works (`api.md`, Auth). */
const CODE_MINUTES = 10;
const MIN_PASSWORD = 8;

type Step =
  | { name: 'start' }
  | { name: 'register' }
  | { name: 'verify'; login: Login }
  | { name: 'forgot' }
  | { name: 'reset'; login: Login }
  | { name: 'code' }
  | { name: 'codeSent'; email: string }
  | { name: 'guest' };

const START: Step = { name: 'start' };

/**
 * Signing in, in a dialog, with every method the site offers: a provider in a
 * popup, an e-mail or phone with a password (and creating an account, confirming
 * it, resetting a forgotten password), a one-time code by e-mail, or a name as a guest.
 */
export function SignInDialog({ ctx, setMe, onClose, onSession: onSignedIn }: PanelProps) {
  const words = useFeatureStrings('signIn', loaders, ctx.lang, ctx.overrides);
  const [methods, setMethods] = useState<Methods | 'failed' | null>(null);
  const [step, setStep] = useState<Step>(START);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** The provider whose popup is open, by its label. */
  const [waiting, setWaiting] = useState<string | null>(null);
  const popup = useRef<{ window: Window; label: string } | null>(null);
  /** Registered, the code not entered yet: the reader is signed in however the dialog closes. */
  const adopted = useRef(false);
  const body = useRef<HTMLDivElement>(null);
  /** A guest's links, by provider: fetched ahead, as the popup must open within the click. */
  const guestLinks = useRef(new Map<string, GuestLink>());

  const fetchLink = (provider: string) =>
    ctx.api
      .call<{ link: string }>('POST', `/v1/auth/${encodeURIComponent(provider)}/link`)
      .then(({ link }) => link);

  const loadMethods = () => {
    setMethods(null);
    setError(null);
    // A guest is here to sign in properly (the API keeps their comments): no second guest.
    const guest = ctx.api.viewer?.guest;
    ctx.api.call<Methods>('GET', '/v1/auth/methods').then(
      (answer) => {
        if (!guest) return setMethods(answer);
        setMethods({ ...answer, methods: answer.methods.filter((m) => m !== 'guest') });
        for (const provider of answer.methods.filter((m) => !FORMS.includes(m as FormMethod))) {
          // A link missing at the click is fetched then, with the popup already open.
          fetchLink(provider).then(
            (link) => guestLinks.current.set(provider, { link, at: Date.now() }),
            () => {},
          );
        }
      },
      () => setMethods('failed'),
    );
  };
  useEffect(loadMethods, []);

  // Each step starts at its first field (or the first way to sign in).
  useEffect(() => {
    body.current?.querySelector<HTMLElement>('input, button')?.focus();
  }, [step, methods, !!words]);

  const onMessage = useRef((_event: MessageEvent) => {});
  useEffect(() => {
    const listener = (event: MessageEvent) => onMessage.current(event);
    addEventListener('message', listener);
    return () => {
      removeEventListener('message', listener);
      popup.current?.window.close();
    };
  }, []);

  // A popup closed without an answer. Its message may still be on its way, so it is still accepted.
  useEffect(() => {
    if (!waiting || !words) return;
    const timer = setInterval(() => {
      if (!popup.current?.window.closed) return;
      setWaiting(null);
      setNotice(words.popupClosed);
    }, 500);
    return () => clearInterval(timer);
  }, [waiting]);

  if (!words) return null;
  const w = words;
  const close = () => (adopted.current ? onSignedIn() : onClose());
  const adopt = (tokens: Tokens) => {
    ctx.api.adopt(tokens);
    // A guest who became the account keeps their id, so the app would keep showing the guest's name.
    const { id, name } = tokens.user;
    setMe((current) => (current?.id === id ? { ...current, name, guest: false } : current));
  };
  const finish = (tokens: Tokens) => {
    adopt(tokens);
    onSignedIn();
  };
  // The callback page's answer. Any window can post messages: only the popup we opened,
  // on the API's origin, with the expected shape, is listened to.
  onMessage.current = (event) => {
    const current = popup.current;
    if (!current || event.source !== current.window) return;
    if (event.origin !== new URL(ctx.apiUrl).origin || !isAuthMessage(event.data)) return;
    popup.current = null;
    setWaiting(null);
    setNotice(null);
    if ('error' in event.data) setError(oauthProblem(w.errors, event.data.error, current.label));
    else finish(event.data);
  };
  const go = (next: Step, message: string | null = null) => {
    setStep(next);
    setError(null);
    setNotice(message);
  };
  const sentTo = (to: string, sent = w.codeSent) => `${sent(isolate(to))} ${w.validFor(CODE_MINUTES)}`;
  const call = <T,>(method: string, path: string, payload?: unknown) =>
    ctx.api.call<T>(method, path, payload);

  const run = async (action: Action, work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setNotice(null);
      setError(w.errors[problemOf(failure, action)]);
    } finally {
      setBusy(false);
    }
  };
  /** A form's submit: its fields are read when it is sent (no state per field). */
  const onSubmit = (action: Action, work: (fields: Fields) => Promise<void>) => (event: Event) => {
    event.preventDefault();
    const fields = new Fields(new FormData(event.currentTarget as HTMLFormElement));
    void run(action, () => work(fields));
  };

  const openProvider = (provider: string, label: string) => {
    setError(null);
    setNotice(null);
    // A guest hands themself to the sign-in with a link, so their comments stay theirs.
    const guest = !!ctx.api.viewer?.guest;
    const link = guest ? takeFreshLink(guestLinks.current, provider, Date.now()) : null;
    const startUrl = (handover: string | null) =>
      oauthStartUrl(ctx.apiUrl, ctx.projectId, provider, location.origin, handover ?? undefined);
    // Opened right in the click, or browsers block it; blank while a guest's link is still to come.
    const opened = window.open(guest && !link ? '' : startUrl(link), 'threadkit-signin', popupFeatures());
    if (!opened) {
      setError(w.errors.popupBlocked);
      return;
    }
    popup.current = { window: opened, label };
    setWaiting(label);
    if (!guest || link) return;
    fetchLink(provider).then(
      (fresh) => {
        if (!opened.closed) opened.location.href = startUrl(fresh);
      },
      (failure) => {
        opened.close();
        popup.current = null;
        setWaiting(null);
        setError(w.errors[problemOf(failure, 'send')]);
      },
    );
  };

  const signInWithPassword = onSubmit('login', async (fields) => {
    const login = fields.login();
    const password = fields.password('password');
    finish(await call<Tokens>('POST', '/v1/auth/login', { ...login, password }));
  });

  const register = onSubmit('register', async (fields) => {
    const name = fields.required('name', 'missingName');
    const login = fields.login();
    const password = fields.newPassword('password');
    adopt(await call<Tokens>('POST', '/v1/auth/register', { name, ...login, password }));
    adopted.current = true;
    go({ name: 'verify', login }, sentTo(loginText(login)));
  });

  const verify = (login: Login) =>
    onSubmit('code', async (fields) => {
      await call('POST', '/v1/auth/verify', { ...login, code: fields.code() });
      onSignedIn();
    });

  const resendVerification = () =>
    run('send', async () => {
      await call('POST', '/v1/auth/verify/resend');
      setNotice(w.resent);
    });

  const forgot = onSubmit('send', async (fields) => {
    const login = fields.login();
    await call('POST', '/v1/auth/forgot', login);
    go({ name: 'reset', login }, sentTo(loginText(login), w.resetSent));
  });

  const reset = (login: Login) =>
    onSubmit('code', async (fields) => {
      const code = fields.code();
      const password = fields.newPassword('new_password');
      await call('POST', '/v1/auth/reset', { ...login, code, new_password: password });
      // The reset ended every session: sign in with the new password straight away.
      finish(await call<Tokens>('POST', '/v1/auth/login', { ...login, password }));
    });

  const sendCode = onSubmit('send', async (fields) => {
    const email = fields.email();
    await call('POST', '/v1/auth/otp/send', { email });
    go({ name: 'codeSent', email }, sentTo(email));
  });

  const signInWithCode = (email: string) =>
    onSubmit('code', async (fields) => {
      const name = fields.text('name');
      const payload = { email, code: fields.code(), ...(name ? { name } : {}) };
      finish(await call<Tokens>('POST', '/v1/auth/otp/verify', payload));
    });

  const asGuest = onSubmit('guest', async (fields) => {
    const name = fields.required('name', 'missingName');
    finish(await call<Tokens>('POST', '/v1/auth/guest', { name }));
  });

  /** "Send a new code", for the step that is waiting for one. */
  const resend = (again: () => Promise<void>) => (
    <button type="button" class="tk-link" disabled={busy} onClick={() => void run('send', again)}>
      {w.resend}
    </button>
  );
  const back = (
    <button type="button" class="tk-link" onClick={() => go(START)}>
      {w.back}
    </button>
  );
  const submit = (label: string) => (
    <button type="submit" class="tk-primary" disabled={busy}>
      {label}
    </button>
  );
  const nameField = <Field label={w.name} name="name" autocomplete="name" maxLength={50} required />;
  // Addresses and numbers read left to right in every language: in a right-to-left
  // field, the + of "+966 5…" would show at the far end.
  const loginField = (
    <Field
      label={w.login}
      hint={w.loginHint}
      name="login"
      dir="ltr"
      autocomplete="username"
      maxLength={254}
      spellcheck={false}
      required
    />
  );
  const codeField = (
    <Field
      label={w.code}
      name="code"
      inputMode="numeric"
      autocomplete="one-time-code"
      maxLength={7}
      required
    />
  );
  const newPasswordField = (name: string, label: string) => (
    <Field
      label={label}
      hint={w.passwordHint}
      name={name}
      type="password"
      autocomplete="new-password"
      maxLength={256}
      required
    />
  );

  /** The form of a method that is shown on the first step. */
  const methodForm = (method: FormMethod) => {
    switch (method) {
      case 'password':
        return (
          <form key="password" noValidate onSubmit={signInWithPassword}>
            {loginField}
            <Field
              label={w.password}
              name="password"
              type="password"
              autocomplete="current-password"
              maxLength={256}
              required
            />
            {submit(w.signIn)}
          </form>
        );
      case 'email_code':
        return (
          <form key="email_code" noValidate onSubmit={sendCode}>
            <Field
              label={w.email}
              name="email"
              type="email"
              dir="ltr"
              autocomplete="email"
              maxLength={254}
              required
            />
            {submit(w.sendCode)}
          </form>
        );
      case 'guest':
        return (
          <form key="guest" noValidate onSubmit={asGuest}>
            {nameField}
            {submit(w.continueAsGuest)}
          </form>
        );
    }
  };

  const start = (offered: Methods) => {
    const forms = FORMS.filter((method) => offered.methods.includes(method));
    const providers = offered.methods.filter((method) => !FORMS.includes(method as FormMethod));
    const [first, ...others] = forms;
    const links: [string, Step][] = [];
    if (first === 'password')
      links.push([w.toForgot, { name: 'forgot' }], [w.toRegister, { name: 'register' }]);
    if (others.includes('email_code')) links.push([w.toCode, { name: 'code' }]);
    if (others.includes('guest')) links.push([w.toGuest, { name: 'guest' }]);
    return (
      <>
        {providers.length > 0 && (
          <div class="tk-providers">
            {providers.map((provider) => {
              const label = offered.labels?.[provider] ?? provider;
              return (
                <button
                  key={provider}
                  type="button"
                  disabled={waiting !== null}
                  onClick={() => openProvider(provider, label)}
                >
                  {w.continueWith(label)}
                </button>
              );
            })}
          </div>
        )}
        {providers.length > 0 && first && (
          <p class="tk-or" aria-hidden="true">
            {w.or}
          </p>
        )}
        {first && methodForm(first)}
        {links.length > 0 && (
          <ul class="tk-more">
            {links.map(([label, next]) => (
              <li key={next.name}>
                <button type="button" class="tk-link" onClick={() => go(next)}>
                  {label}
                </button>
              </li>
            ))}
          </ul>
        )}
      </>
    );
  };

  const current = (offered: Methods): JSX.Element => {
    switch (step.name) {
      case 'start':
        return start(offered);
      case 'register':
        return (
          <form key="register" noValidate onSubmit={register}>
            {nameField}
            {loginField}
            {newPasswordField('password', w.password)}
            {submit(w.createAccount)}
            {back}
          </form>
        );
      case 'verify':
        return (
          <form key="verify" noValidate onSubmit={verify(step.login)}>
            {codeField}
            {submit(w.confirm)}
            <p class="tk-row">
              {resend(resendVerification)}
              <button type="button" class="tk-link" onClick={onSignedIn}>
                {w.later}
              </button>
            </p>
          </form>
        );
      case 'forgot':
        return (
          <form key="forgot" noValidate onSubmit={forgot}>
            {loginField}
            {submit(w.sendCode)}
            {back}
          </form>
        );
      case 'reset':
        return (
          <form key="reset" noValidate onSubmit={reset(step.login)}>
            {codeField}
            {newPasswordField('new_password', w.newPassword)}
            {submit(w.resetAndSignIn)}
            <p class="tk-row">
              {resend(async () => {
                await call('POST', '/v1/auth/forgot', step.login);
                setNotice(w.resent);
              })}
              {back}
            </p>
          </form>
        );
      case 'code':
        return (
          <>
            {methodForm('email_code')}
            {back}
          </>
        );
      case 'codeSent':
        return (
          <form key="codeSent" noValidate onSubmit={signInWithCode(step.email)}>
            {codeField}
            <Field label={w.nameForNewAccount} name="name" autocomplete="name" maxLength={50} />
            {submit(w.signIn)}
            <p class="tk-row">
              {resend(async () => {
                await call('POST', '/v1/auth/otp/send', { email: step.email });
                setNotice(w.resent);
              })}
              {back}
            </p>
          </form>
        );
      case 'guest':
        return (
          <>
            {methodForm('guest')}
            {back}
          </>
        );
    }
  };

  const status = methods === null ? w.loading : waiting ? w.waiting(isolate(waiting)) : notice;
  return (
    <Dialog title={step.name === 'start' ? w.title : w.steps[step.name]} closeLabel={w.close} onClose={close}>
      <style>{styles}</style>
      <div class="tk-signin" ref={body}>
        <p class="tk-muted" role="status">
          {status}
        </p>
        {methods === 'failed' ? (
          <p role="alert" class="tk-error">
            {w.errors.network}{' '}
            <button type="button" onClick={loadMethods}>
              {ctx.t.retry}
            </button>
          </p>
        ) : (
          methods && current(methods)
        )}
        <p class="tk-error" role="alert">
          {error}
        </p>
      </div>
    </Dialog>
  );
}

/** A labelled input, with a hint read out after its label. */
function Field({ label, hint, ...input }: { label: string; hint?: string } & JSX.InputHTMLAttributes) {
  const hintId = useElementId();
  return (
    <div class="tk-field">
      <label>
        {label}
        <input {...input} aria-describedby={hint ? hintId : undefined} />
      </label>
      {hint && (
        <small id={hintId} class="tk-muted">
          {hint}
        </small>
      )}
    </div>
  );
}

/** A sent form's fields, checked before anything goes to the API. */
class Fields {
  constructor(private readonly data: FormData) {}

  text(name: string): string {
    return String(this.data.get(name) ?? '').trim();
  }

  required(name: string, problem: Problem): string {
    const value = this.text(name);
    if (!value) throw new InputProblem(problem);
    return value;
  }

  /** A password to sign in with, as typed (spaces are part of it). */
  password(name: string): string {
    const password = String(this.data.get(name) ?? '');
    if (!password) throw new InputProblem('wrongPassword');
    return password;
  }

  /** A password to set: long enough (the API also refuses the most common ones). */
  newPassword(name: string): string {
    const password = String(this.data.get(name) ?? '');
    if ([...password].length < MIN_PASSWORD) throw new InputProblem('shortPassword');
    return password;
  }

  login(): Login {
    const login = parseLogin(this.text('login'));
    if (!login) throw new InputProblem('badLogin');
    return login;
  }

  email(): string {
    const login = parseLogin(this.text('email'));
    if (!login || !('email' in login)) throw new InputProblem('badEmail');
    return login.email;
  }

  code(): string {
    const code = parseCode(this.text('code'));
    if (!code) throw new InputProblem('badCode');
    return code;
  }
}
