import { csvAnswer } from '../../../../../server/analytics-csv';
import { currentOwner } from '../../../../../server/auth';
import { services } from '../../../../../server/services';

/** A chart of one site as CSV; another owner's site answers as one that does not exist. */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const signedIn = await currentOwner();
  if (!signedIn) return new Response('Sign in first.', { status: 401 });
  const site = await (await services()).sites
    .get(signedIn.owner.id, (await context.params).id)
    .catch(() => null);
  if (!site) return new Response('Not found.', { status: 404 });
  return csvAnswer(request, { siteId: site.id }, site.domain);
}

export const dynamic = 'force-dynamic';
