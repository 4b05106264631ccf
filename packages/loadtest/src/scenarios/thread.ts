import type { ApiClient } from '../http.js';
import type { LoadOptions } from '../options.js';
import type { Scenario } from '../scenario.js';
import { postComment, readThread, signInGuests, threadPath } from '../setup.js';

/** Direct replies under each root (the wide part) and levels of the chain under its first reply (the deep part). */
const WIDTH = 8;
const DEPTH = 7;

/**
 * `thread`: builds a wide and deep thread on its own page (`<page>-thread`:
 * `--seed` roots, each with eight replies and a chain of replies under the
 * first that goes past the deepest level), then reads it as a reader paging
 * through it does: the first and second pages of roots, and pages of replies
 * under the roots and down the chain.
 */
export const thread: Scenario = async ({ options, api, note }) => {
  const key = `${options.page}-thread`;
  const roots = Math.max(2, Math.ceil(options.seed));
  note(`building a thread of ${roots} roots on ${key}`);
  await buildThread(api, options, key, roots);

  const perPage = Math.ceil(roots / 2);
  const first = await api.expect(200, { method: 'GET', path: threadPath(options, key, `&limit=${perPage}`) });
  const reads = [threadPath(options, key, `&limit=${perPage}`)];
  if (first.next_cursor)
    reads.push(threadPath(options, key, `&limit=${perPage}&cursor=${encodeURIComponent(first.next_cursor)}`));
  const replyPages: string[] = [];
  for (const root of first.tree.comments as { i: string; r: { i: string }[] }[]) {
    replyPages.push(`/v1/comments/${root.i}/replies?limit=4&replies=5`);
    const answer = await api.expect(200, { method: 'GET', path: `/v1/comments/${root.i}/replies?limit=4` });
    if (answer.next_cursor)
      replyPages.push(
        `/v1/comments/${root.i}/replies?limit=4&replies=5&cursor=${encodeURIComponent(answer.next_cursor)}`,
      );
    const deep = answer.comments[0]?.i;
    if (deep) replyPages.push(`/v1/comments/${deep}/replies?limit=50&replies=5`);
  }
  return {
    fire: (index) =>
      index % 2 === 0
        ? api.send({ method: 'GET', path: reads[(index / 2) % reads.length]! }, 'thread-page')
        : api.send(
            { method: 'GET', path: replyPages[((index - 1) / 2) % replyPages.length]! },
            'replies-page',
          ),
    finish: async () => ({ thread: { page_key: key, roots, reply_pages: replyPages.length } }),
  };
};

/** Posts the thread unless an earlier run left it there. */
async function buildThread(api: ApiClient, options: LoadOptions, key: string, roots: number): Promise<void> {
  const perRoot = 1 + WIDTH + DEPTH;
  const existing = await readThread(api, options, key);
  if (existing.total >= roots * perRoot) return;
  const guests = await signInGuests(api, 2, 'Thread builder');
  const [a, b] = [guests[0]!.token, guests[1]!.token];
  for (let r = existing.rootIds.length; r < roots; r++) {
    const root = await postComment(
      api,
      options,
      a,
      `Root ${r + 1} of a wide and deep thread.`,
      undefined,
      key,
    );
    let chainTop = '';
    for (let w = 0; w < WIDTH; w++) {
      const id = await postComment(api, options, b, `Reply ${w + 1} under root ${r + 1}.`, root, key);
      if (w === 0) chainTop = id;
    }
    let parent = chainTop;
    for (let d = 0; d < DEPTH; d++) {
      parent = await postComment(
        api,
        options,
        d % 2 ? b : a,
        `Level ${d + 3} under root ${r + 1}.`,
        parent,
        key,
      );
    }
  }
}
