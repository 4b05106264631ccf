import { currentOwner } from '../../../../server/auth';
import { services } from '../../../../server/services';

/**
 * The whole site as the comment server exports it (JSON lines), streamed to
 * the browser as a download while it is read: the dashboard holds none of it.
 */
export async function GET(
  _request: Request,
  context: { params: Promise<{ id: string }> },
): Promise<Response> {
  const signedIn = await currentOwner();
  if (!signedIn) return new Response('Sign in first.', { status: 401 });
  const { sites, commentServer } = await services();
  const site = await sites.get(signedIn.owner.id, (await context.params).id).catch(() => null);
  if (!site) return new Response('Not found.', { status: 404 });
  if (!commentServer)
    return new Response('Exports need INTERNAL_API_SECRET, shared with the comment servers.', {
      status: 503,
    });
  let exported: Response;
  try {
    exported = await commentServer.asOwner(signedIn.owner.id, site).exportSite();
  } catch (error) {
    return new Response(error instanceof Error ? error.message : 'The export failed.', { status: 502 });
  }
  const day = new Date().toISOString().slice(0, 10);
  return new Response(exported.body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="threadkit-${site.id}-${day}.ndjson"`,
      'cache-control': 'no-store',
    },
  });
}

export const dynamic = 'force-dynamic';
