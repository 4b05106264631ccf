import { csvAnswer } from '../../../server/analytics-csv';
import { currentOwner } from '../../../server/auth';

/** A chart of all the owner's sites as CSV. */
export async function GET(request: Request): Promise<Response> {
  const signedIn = await currentOwner();
  if (!signedIn) return new Response('Sign in first.', { status: 401 });
  return csvAnswer(request, { ownerId: signedIn.owner.id }, 'all-sites');
}

export const dynamic = 'force-dynamic';
