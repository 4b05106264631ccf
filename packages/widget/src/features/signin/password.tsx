import type { Tokens } from '../../api.js';
import { Back, CodeField, Field, LoginField, NameField, NewPasswordField, Resend, Submit } from './fields.js';
import type { Flow } from './flow.js';
import { type Login, loginText } from './logic.js';

/** Signing in with an e-mail or phone number and a password. */
export function PasswordForm({ flow }: { flow: Flow }) {
  const { w } = flow;
  const signIn = flow.submit('login', async (fields) => {
    const login = fields.login();
    const password = fields.password('password');
    flow.finish(await flow.call<Tokens>('POST', '/v1/auth/login', { ...login, password }));
  });
  return (
    <form noValidate onSubmit={signIn}>
      <LoginField flow={flow} />
      <Field
        label={w.password}
        name="password"
        type="password"
        autocomplete="current-password"
        maxLength={256}
        required
      />
      <Submit flow={flow} label={w.signIn} />
    </form>
  );
}

/** Creating an account; it is confirmed with a code next. */
export function RegisterForm({ flow }: { flow: Flow }) {
  const { w } = flow;
  const register = flow.submit('register', async (fields) => {
    const name = fields.required('name', 'missingName');
    const login = fields.login();
    const password = fields.newPassword('password');
    flow.adopt(await flow.call<Tokens>('POST', '/v1/auth/register', { name, ...login, password }));
    flow.go({ name: 'verify', login }, flow.sentTo(loginText(login)));
  });
  return (
    <form noValidate onSubmit={register}>
      <NameField flow={flow} />
      <LoginField flow={flow} />
      <NewPasswordField flow={flow} name="password" label={w.password} />
      <Submit flow={flow} label={w.createAccount} />
      <Back flow={flow} />
    </form>
  );
}

/** Confirming a new account's e-mail or phone number with the code sent to it; it can wait. */
export function VerifyForm({ flow, login }: { flow: Flow; login: Login }) {
  const { w } = flow;
  const verify = flow.submit('code', async (fields) => {
    await flow.call('POST', '/v1/auth/verify', { ...login, code: fields.code() });
    flow.done();
  });
  return (
    <form noValidate onSubmit={verify}>
      <CodeField flow={flow} />
      <Submit flow={flow} label={w.confirm} />
      <p class="tk-row">
        <Resend flow={flow} again={() => flow.call('POST', '/v1/auth/verify/resend')} />
        <button type="button" class="tk-link" onClick={flow.done}>
          {w.later}
        </button>
      </p>
    </form>
  );
}

/** Asking for a code to set a new password with. */
export function ForgotForm({ flow }: { flow: Flow }) {
  const forgot = flow.submit('send', async (fields) => {
    const login = fields.login();
    await flow.call('POST', '/v1/auth/forgot', login);
    flow.go({ name: 'reset', login }, flow.sentTo(loginText(login), flow.w.resetSent));
  });
  return (
    <form noValidate onSubmit={forgot}>
      <LoginField flow={flow} />
      <Submit flow={flow} label={flow.w.sendCode} />
      <Back flow={flow} />
    </form>
  );
}

/** A new password, with the code that was sent; then signed in with it. */
export function ResetForm({ flow, login }: { flow: Flow; login: Login }) {
  const { w } = flow;
  const reset = flow.submit('code', async (fields) => {
    const code = fields.code();
    const password = fields.newPassword('new_password');
    await flow.call('POST', '/v1/auth/reset', { ...login, code, new_password: password });
    // The reset ended every session: sign in with the new password straight away.
    flow.finish(await flow.call<Tokens>('POST', '/v1/auth/login', { ...login, password }));
  });
  return (
    <form noValidate onSubmit={reset}>
      <CodeField flow={flow} />
      <NewPasswordField flow={flow} name="new_password" label={w.newPassword} />
      <Submit flow={flow} label={w.resetAndSignIn} />
      <p class="tk-row">
        <Resend flow={flow} again={() => flow.call('POST', '/v1/auth/forgot', login)} />
        <Back flow={flow} />
      </p>
    </form>
  );
}
