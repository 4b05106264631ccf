import { notFound } from 'next/navigation';
import type { SiteAdmin } from '../moderation/comment-server';
import type { SiteView } from '../sites/sites';
import { requireOwner, type SignedInOwner } from './auth';
import { services } from './services';

export interface ModerationPage extends SignedInOwner {
  site: SiteView;
  /** Null when the dashboard has no INTERNAL_API_SECRET to sign its calls with. */
  moderation: SiteAdmin | null;
}

/** What every moderation page starts from: the signed-in owner, their site (else 404), its moderation API. */
export async function moderationPage(params: Promise<{ id: string }>): Promise<ModerationPage> {
  const { id } = await params;
  const signedIn = await requireOwner();
  const { sites, commentServer } = await services();
  const site = await sites.get(signedIn.owner.id, id).catch(() => null);
  if (!site) notFound();
  return { ...signedIn, site, moderation: commentServer?.asOwner(signedIn.owner.id, site) ?? null };
}

/** A call whose failure (the comment server away, a refusal) is shown on the page rather than failing it. */
export async function attempt<T>(call: Promise<T>): Promise<{ value: T } | { problem: string }> {
  try {
    return { value: await call };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/** A Unix time in seconds as the dashboard shows times: UTC, to the minute. */
export const when = (seconds: number) =>
  new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16);

/** A non-negative whole number from a query parameter, else 0. */
export const offsetOf = (value: string | string[] | undefined) => {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};
