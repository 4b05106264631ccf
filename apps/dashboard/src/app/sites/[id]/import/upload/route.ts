import { streamUpload, type UploadOutcome } from '../../../../../imports/upload';
import { currentOwner } from '../../../../../server/auth';
import { services } from '../../../../../server/services';

/**
 * The import form's post: its file streamed on to the comment server as it
 * arrives (the dashboard has no proxy, `middleware`, that would buffer a
 * body). With JavaScript the page posts it itself and reads the JSON answer;
 * without, the browser posts it and follows the redirect.
 */
export async function POST(
  request: Request,
  context: { params: Promise<{ id: string }> },
): Promise<Response> {
  const signedIn = await currentOwner();
  if (!signedIn) return new Response('Sign in first.', { status: 401 });
  const { sites, commentServer, env } = await services();
  const site = await sites.get(signedIn.owner.id, (await context.params).id).catch(() => null);
  if (!site) return new Response('Not found.', { status: 404 });
  const base = `/sites/${site.id}/import`;
  const answer = (outcome: UploadOutcome, status = 200) => {
    if (request.headers.get('accept')?.includes('application/json'))
      return 'started' in outcome
        ? Response.json({ location: `${base}/${outcome.started.id}` })
        : Response.json({ errors: outcome.problems }, { status });
    // Without JavaScript: the problems' fields only (their words are the page's own), never text from the URL.
    const location =
      'started' in outcome
        ? `${base}/${outcome.started.id}`
        : `${base}?${new URLSearchParams(Object.keys(outcome.problems).map((field) => ['problem', field]))}`;
    return new Response(null, { status: 303, headers: { location } });
  };
  const contentType = request.headers.get('content-type') ?? '';
  if (!commentServer)
    return answer(
      { problems: { _form: 'Imports need INTERNAL_API_SECRET, shared with the comment servers.' } },
      503,
    );
  if (!contentType.startsWith('multipart/form-data') || !request.body)
    return answer({ problems: { _form: 'Post the form.' } }, 400);
  if (Number(request.headers.get('content-length') ?? 0) > env.importMaxBytes)
    return answer({ problems: { file: tooLarge(env.importMaxBytes) } }, 413);
  const outcome = await streamUpload(request.body, contentType, {
    csrfToken: signedIn.session.csrfToken,
    admin: commentServer.asOwner(signedIn.owner.id, site),
  });
  return answer(outcome, 'started' in outcome ? 200 : 400);
}

const tooLarge = (bytes: number) =>
  `The file is larger than the ${Math.floor(bytes / 1024 ** 2)} MB an import may be.`;

export const dynamic = 'force-dynamic';
