import { redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';
import { startProviderSignIn } from '../../../../server/provider-sign-in';

/** Sends the owner to the provider's sign-in page. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ provider: string }> }) {
  const url = await startProviderSignIn(
    (await params).provider,
    request.nextUrl.searchParams.get('next') ?? '',
  );
  if (!url) redirect('/signin');
  redirect(url.href);
}

export const dynamic = 'force-dynamic';
