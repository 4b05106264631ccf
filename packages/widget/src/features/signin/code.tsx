import type { Tokens } from '../../api.js';
import { Back, CodeField, Field, Resend, Submit } from './fields.js';
import type { Flow } from './flow.js';

/** Asking for a one-time sign-in code by e-mail. */
export function EmailCodeForm({ flow }: { flow: Flow }) {
  const sendCode = flow.submit('send', async (fields) => {
    const email = fields.email();
    await flow.call('POST', '/v1/auth/otp/send', { email });
    flow.go({ name: 'codeSent', email }, flow.sentTo(email));
  });
  return (
    <form noValidate onSubmit={sendCode}>
      <Field
        label={flow.w.email}
        name="email"
        type="email"
        dir="ltr"
        autocomplete="email"
        maxLength={254}
        required
      />
      <Submit flow={flow} label={flow.w.sendCode} />
    </form>
  );
}

/** Signing in with the code that was sent to `email`; a new account takes the name given here. */
export function CodeSentForm({ flow, email }: { flow: Flow; email: string }) {
  const { w } = flow;
  const signIn = flow.submit('code', async (fields) => {
    const name = fields.text('name');
    const payload = { email, code: fields.code(), ...(name ? { name } : {}) };
    flow.finish(await flow.call<Tokens>('POST', '/v1/auth/otp/verify', payload));
  });
  return (
    <form noValidate onSubmit={signIn}>
      <CodeField flow={flow} />
      <Field label={w.nameForNewAccount} name="name" autocomplete="name" maxLength={50} />
      <Submit flow={flow} label={w.signIn} />
      <p class="tk-row">
        <Resend flow={flow} again={() => flow.call('POST', '/v1/auth/otp/send', { email })} />
        <Back flow={flow} />
      </p>
    </form>
  );
}
