import { services } from '../../server/services';

/** "Continue with Google" and the like, for each configured provider; nothing when none is. */
export async function ProviderButtons({ next }: { next?: string }) {
  const { providers } = (await services()).env;
  if (providers.length === 0) return null;
  const query = next ? `?next=${encodeURIComponent(next)}` : '';
  return (
    <nav aria-label="Sign in with" className="providers">
      {providers.map((provider) => (
        <a
          key={provider.name}
          className="button"
          href={`/auth/${encodeURIComponent(provider.name)}/start${query}`}
        >
          Continue with {provider.label}
        </a>
      ))}
    </nav>
  );
}
