import { redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';
import { finishProviderSignIn } from '../../../../server/provider-sign-in';

/** Where the provider sends the owner back: signed in, or told on the sign-in page what went wrong. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ provider: string }> }) {
  const outcome = await finishProviderSignIn((await params).provider, request.nextUrl);
  redirect('next' in outcome ? outcome.next : `/signin?problem=${outcome.problem}`);
}

export const dynamic = 'force-dynamic';
