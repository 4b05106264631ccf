import { ORIGIN } from '../../bench/lib.js';
import type { Guest } from '../../bench/seed.js';

/** What one POST /v1/comments came to: the HTTP status (or how it failed) and, on 201, the comment. */
export interface PostOutcome {
  status: number | 'timeout' | 'network';
  code?: string;
  commentId?: string;
  pageUrl: string;
  /** When the request was sent and answered, in ms since the load started. */
  sentAt: number;
  doneAt: number;
  /** The base URL that answered (or the last one tried). */
  baseUrl: string;
}

export interface PostLoad {
  readonly outcomes: PostOutcome[];
  readonly startedAt: number;
  /** ms since the load started. */
  now(): number;
  /** Posts answered 201 so far, of those sent after `sentAfter` (ms since the start) when given. */
  acknowledged(sentAfter?: number): number;
  /** Stops sending and waits for every request in flight. */
  stop(): Promise<PostOutcome[]>;
}

/** A page holds at most this many of the load's comments, so one read (limit 200) sees them all. */
const POSTS_PER_PAGE = 150;

/**
 * Posts at a steady `perSecond` from `guests` in turn, each guest on pages of its
 * own, without waiting for earlier answers (a client that waits would slow the
 * load down exactly when the server is in trouble). Every request has a client
 * timeout. With several `baseUrls`, a request that gets no answer at all (the
 * instance is gone) is retried once on the next, as a client behind a load
 * balancer would see it.
 */
export function steadyPosts(options: {
  baseUrls: string[];
  publicKey: string;
  guests: Guest[];
  perSecond: number;
  clientTimeoutMs: number;
  pagePrefix: string;
  /** Every post on the page `pagePrefix` (a thread read live), not on pages of each guest. */
  samePage?: boolean;
}): PostLoad {
  const startedAt = performance.now();
  const now = () => performance.now() - startedAt;
  const outcomes: PostOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  const perGuest = new Map<number, number>();
  let serial = 0;

  const send = async (guestIndex: number, slot: number) => {
    const guest = options.guests[guestIndex]!;
    const n = perGuest.get(guestIndex) ?? 0;
    perGuest.set(guestIndex, n + 1);
    const pageUrl = options.samePage
      ? options.pagePrefix
      : `${options.pagePrefix}/${guestIndex}/${Math.floor(n / POSTS_PER_PAGE)}`;
    const sentAt = now();
    let outcome: PostOutcome | undefined;
    for (let attempt = 0; attempt < Math.min(2, options.baseUrls.length); attempt++) {
      const baseUrl = options.baseUrls[(slot + attempt) % options.baseUrls.length]!;
      outcome = {
        ...(await postOnce(baseUrl, guest.token, pageUrl, n)),
        pageUrl,
        sentAt,
        doneAt: now(),
        baseUrl,
      };
      if (outcome.status !== 'network') break;
    }
    outcomes.push(outcome!);
  };
  async function postOnce(baseUrl: string, token: string, pageUrl: string, n: number) {
    try {
      const response = await fetch(`${baseUrl}/v1/comments`, {
        method: 'POST',
        headers: {
          projectid: options.publicKey,
          origin: ORIGIN,
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ page_url: pageUrl, content: `post ${n}` }),
        signal: AbortSignal.timeout(options.clientTimeoutMs),
      });
      const body = (await response.json().catch(() => ({}))) as { code?: string; comment?: { i: string } };
      return { status: response.status, code: body.code, commentId: body.comment?.i };
    } catch (error) {
      const name = (error as Error).name;
      return {
        status:
          name === 'TimeoutError' || name === 'AbortError' ? ('timeout' as const) : ('network' as const),
      };
    }
  }

  const timer = setInterval(() => {
    const slot = serial++;
    const request = send(slot % options.guests.length, slot).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, 1000 / options.perSecond);

  return {
    outcomes,
    startedAt,
    now,
    acknowledged: (sentAfter = Number.NEGATIVE_INFINITY) =>
      outcomes.filter((o) => o.status === 201 && o.sentAt > sentAfter).length,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return outcomes;
    },
  };
}

/** The acknowledged comments (201) of `outcomes` that a fresh read of their pages does not show. */
export async function missingAcknowledged(
  baseUrl: string,
  publicKey: string,
  outcomes: PostOutcome[],
): Promise<PostOutcome[]> {
  const acknowledged = outcomes.filter((o) => o.status === 201);
  const seen = new Set<string>();
  for (const pageUrl of new Set(acknowledged.map((o) => o.pageUrl))) {
    const response = await fetch(
      `${baseUrl}/v1/comments?page_url=${encodeURIComponent(pageUrl)}&limit=200&sort=old&replies=0`,
      { headers: { projectid: publicKey, origin: ORIGIN }, signal: AbortSignal.timeout(10_000) },
    );
    if (response.status !== 200)
      throw new Error(`reading ${pageUrl}: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { tree: { comments: { i: string }[] } };
    for (const comment of body.tree.comments) seen.add(comment.i);
  }
  return acknowledged.filter((o) => !seen.has(o.commentId!));
}

/** The longest stretch without a 201 that contains `at`: from the last 201 before it to the first after. */
export function writeGap(outcomes: PostOutcome[], at: number): { lastBefore: number; firstAfter: number } {
  const ok = outcomes.filter((o) => o.status === 201);
  const lastBefore = Math.max(...ok.filter((o) => o.doneAt <= at).map((o) => o.doneAt));
  const firstAfter = Math.min(...ok.filter((o) => o.sentAt > at).map((o) => o.doneAt));
  return { lastBefore, firstAfter };
}
