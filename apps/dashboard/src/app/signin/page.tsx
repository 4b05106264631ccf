import type { Metadata } from 'next';
import { signIn } from '../actions/auth';
import { ActionForm, Field } from '../ui/form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string>>;
}) {
  const { next, reset } = await searchParams;
  return (
    <main className="narrow">
      <h1>Sign in to ThreadKit</h1>
      {reset ? (
        <p role="status" className="notice">
          Your password is changed. Sign in with it.
        </p>
      ) : null}
      <section>
        <ActionForm action={signIn} submit="Sign in">
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <Field name="email" label="E-mail" type="email" autoComplete="email" />
          <Field name="password" label="Password" type="password" autoComplete="current-password" />
        </ActionForm>
      </section>
      <p>
        <a href="/forgot">Forgot your password?</a> · New here? <a href="/signup">Create an account</a>
      </p>
    </main>
  );
}
