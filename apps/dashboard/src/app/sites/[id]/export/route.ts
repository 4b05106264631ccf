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
    // The comment server's refusal as it put it (too many exports a minute: 429); silence is a 502.
    const status = (error as { status?: unknown }).status;
    return new Response(error instanceof Error ? error.message : 'The export failed.', {
      status: typeof status === 'number' && status >= 400 && status < 500 ? status : 502,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const day = new Date().toISOString().slice(0, 10);
  return new Response(exported.body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition':
        exported.headers.get('content-disposition') ??
        `attachment; filename="threadkit-${site.id}-${day}.jsonl"`,
      'cache-control': 'no-store',
    },
  });
}

export const dynamic = 'force-dynamic';
