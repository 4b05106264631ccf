import type { Metadata } from 'next';
import { forgotPassword } from '../actions/auth';
import { ActionForm, Field } from '../ui/form';

export const metadata: Metadata = { title: 'Forgot password' };

export default function ForgotPage() {
  return (
    <main className="narrow">
      <h1>Reset your password</h1>
      <section>
        <ActionForm action={forgotPassword} submit="Send me a link">
          <Field name="email" label="E-mail" type="email" autoComplete="email" />
        </ActionForm>
      </section>
    </main>
  );
}
