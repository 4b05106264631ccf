import type { Metadata } from 'next';
import { resetPassword } from '../actions/auth';
import { ActionForm, Field } from '../ui/form';

export const metadata: Metadata = { title: 'New password' };

export default async function ResetPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  const { token = '' } = await searchParams;
  return (
    <main className="narrow">
      <h1>Choose a new password</h1>
      <section>
        <ActionForm action={resetPassword} submit="Save the new password">
          <input type="hidden" name="token" value={token} />
          <Field name="password" label="New password" type="password" autoComplete="new-password" />
        </ActionForm>
      </section>
    </main>
  );
}
