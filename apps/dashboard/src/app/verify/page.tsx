import type { Metadata } from 'next';
import { services } from '../../server/services';

export const metadata: Metadata = { title: 'Confirm your address' };

export default async function VerifyPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string>>;
}) {
  const { token = '' } = await searchParams;
  const owner = token ? await (await services()).accounts.confirmEmail(token) : null;
  return (
    <main className="narrow">
      <h1>{owner ? 'Address confirmed' : 'This link does not work'}</h1>
      <section>
        {owner ? (
          <p role="status">
            {owner.email} is confirmed. <a href="/sites">Add your first site</a>.
          </p>
        ) : (
          <p role="alert">
            The link was used already, has expired or was replaced by a newer one. Sign in to ask for a new
            one.
          </p>
        )}
      </section>
    </main>
  );
}
