import { services } from '../../../../server/services';

/** The comment servers' internal API (src/internal/api.ts); refused outright without a configured secret. */
async function handle(request: Request): Promise<Response> {
  const { internal } = await services();
  if (!internal)
    return Response.json(
      { error: 'The internal API is not configured.', code: 'unavailable' },
      { status: 503 },
    );
  return internal(request);
}

export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const DELETE = handle;
export const dynamic = 'force-dynamic';
