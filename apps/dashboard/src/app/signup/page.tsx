import type { Metadata } from 'next';
import { signUp } from '../actions/auth';
import { ActionForm, Field } from '../ui/form';
import { ProviderButtons } from '../ui/providers';

export const metadata: Metadata = { title: 'Sign up' };

export default function SignUpPage() {
  return (
    <main className="narrow">
      <h1>Create your ThreadKit account</h1>
      <section>
        <ProviderButtons />
        <ActionForm action={signUp} submit="Create account">
          <Field name="name" label="Your name" autoComplete="name" />
          <Field name="email" label="E-mail" type="email" autoComplete="email" />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            hint="At least 8 characters, and not one of the most common passwords."
          />
        </ActionForm>
      </section>
      <p>
        Have an account? <a href="/signin">Sign in</a>
      </p>
    </main>
  );
}
