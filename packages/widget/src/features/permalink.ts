/** Pages of root comments loaded, at most, while looking for a linked comment. */
const MAX_PAGES = 10;

/**
 * Brings the comment named by `#comment-<id>` into view and gives it focus,
 * loading further pages of the thread while it is not among those shown (a
 * link to an old comment in a long thread).
 */
export async function jump(list: () => HTMLElement | null, loadMore: () => Promise<boolean>): Promise<void> {
  const id = /^#comment-([\w-]+)$/.exec(location.hash)?.[1];
  if (!id) return;
  for (let pages = 0; ; pages++) {
    const target = list()?.querySelector<HTMLElement>(`#comment-${id}`);
    if (target) {
      target.tabIndex = -1;
      target.scrollIntoView({ block: 'center' });
      target.focus({ preventScroll: true });
      return;
    }
    if (pages >= MAX_PAGES || !(await loadMore())) return;
    // The new page renders on the next turn.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
