import type { Metadata } from 'next';
import { signIn } from '../actions/auth';
import { ActionForm, Field } from '../ui/form';
import { ProviderButtons } from '../ui/providers';

export const metadata: Metadata = { title: 'Sign in' };

/** What went wrong with a provider sign-in (`provider-sign-in.ts`), in words. */
const PROVIDER_PROBLEMS: Record<string, string> = {
  declined: 'The sign-in was cancelled at the provider.',
  expired: 'That sign-in took too long or was started elsewhere: try again.',
  failed: 'The provider could not confirm who you are: try again in a moment.',
  no_email:
    'Your account there has no verified e-mail address: verify one with the provider, or sign up with a password.',
  limited: 'Too many attempts from your network: try again later.',
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string>>;
}) {
  const { next, reset, closed, problem } = await searchParams;
  return (
    <main className="narrow">
      <h1>Sign in to ThreadKit</h1>
      {reset ? (
        <p role="status" className="notice">
          Your password is changed. Sign in with it.
        </p>
      ) : null}
      {closed ? (
        <p role="status" className="notice">
          Your account is closed, and the sites you owned alone are deleted.
        </p>
      ) : null}
      {problem ? (
        <p role="alert" className="error">
          {PROVIDER_PROBLEMS[problem] ?? PROVIDER_PROBLEMS.failed}
        </p>
      ) : null}
      <section>
        <ProviderButtons next={next} />
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
