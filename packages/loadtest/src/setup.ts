import type { ApiClient } from './http.js';
import type { LoadOptions } from './options.js';

/** A guest commenter signed in for the run. */
export interface Guest {
  id: string;
  token: string;
  refreshToken: string;
}

/** Signs in `count` guests, a few at a time (each sign-in counts in the address's `auth` budget). */
export async function signInGuests(api: ApiClient, count: number, prefix = 'Load tester'): Promise<Guest[]> {
  const guests: Guest[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = ++next;
      const body = await api.expect(201, {
        method: 'POST',
        path: '/v1/auth/guest',
        body: { name: `${prefix} ${n}` },
      });
      guests.push({ id: body.user.id, token: body.token, refreshToken: body.refresh_token });
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, 4) }, lane));
  return guests;
}

/** The page's URL on the site: its identity is the key, the URL is where its links go. */
export const pageUrl = (options: LoadOptions, key = options.page) =>
  `${options.origin}/${encodeURIComponent(key)}`;

export const threadPath = (options: LoadOptions, key = options.page, query = '') =>
  `/v1/comments?page_key=${encodeURIComponent(key)}${query}`;

/** Posts a comment (a reply, with `parentId`) and returns its id. */
export async function postComment(
  api: ApiClient,
  options: LoadOptions,
  token: string,
  content: string,
  parentId?: string,
  key = options.page,
): Promise<string> {
  const body = await api.expect(201, {
    method: 'POST',
    path: '/v1/comments',
    token,
    body: {
      page_key: key,
      page_url: pageUrl(options, key),
      content,
      ...(parentId ? { parent_id: parentId } : {}),
    },
  });
  return body.comment.i as string;
}

/** The page's thread as an anonymous reader sees it: its id, its root comments' ids and its total. */
export async function readThread(
  api: ApiClient,
  options: LoadOptions,
  key = options.page,
): Promise<{ pageId: string; rootIds: string[]; total: number }> {
  const body = await api.expect(200, {
    method: 'GET',
    path: threadPath(options, key, '&limit=200&replies=0'),
  });
  return {
    pageId: body.page_id,
    rootIds: (body.tree.comments as { i: string }[]).map((c) => c.i),
    total: body.total,
  };
}

/**
 * Brings the page to at least `options.seed` comments, posted by one guest of
 * its own (so the run's guests may vote on every one), and returns the thread.
 */
export async function seedPage(api: ApiClient, options: LoadOptions, minimum = options.seed) {
  let thread = await readThread(api, options);
  const missing = Math.ceil(minimum) - thread.total;
  if (missing > 0) {
    const [author] = await signInGuests(api, 1, 'Load test author');
    for (let n = 0; n < missing; n++) {
      await postComment(
        api,
        options,
        author!.token,
        `Seed comment ${n + 1} of the load test, posted before the run.`,
      );
    }
    thread = await readThread(api, options);
  }
  return thread;
}

/** A tag that sets this run's comments apart from any other's. */
export const runTag = () => Math.random().toString(36).slice(2, 10);
