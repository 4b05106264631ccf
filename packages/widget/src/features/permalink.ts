/** Pages of root comments loaded, at most, while looking for a linked comment. */
const MAX_PAGES = 10;

/**
 * Brings the comment named by `#comment-<id>` into view and gives it focus,
 * loading further pages of the thread while it is not among those shown (a
 * link to an old comment in a long thread).
 */
export async function jump(list: () => HTMLElement | null, loadMore: () => Promise<boolean>): Promise<void> {
  const linked = /^#comment-([\w-]+)$/.exec(location.hash)?.[1];
  if (!linked) return;
  const id = linkedId(linked);
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

const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/**
 * The comment id a link names. Links made before ids were shortened carry the
 * UUID form of the same 128 bits: written the server's way (`ids.ts` in core;
 * a test keeps the two equal), it is the id.
 */
export function linkedId(linked: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(linked)) return linked;
  const hex = `0${linked.replaceAll('-', '')}`;
  let id = '';
  for (let i = 0; i < 33; i += 3) {
    const group = Number.parseInt(hex.slice(i, i + 3), 16);
    id += (i === 0 ? '0123' : ALPHABET)[group >> 6]! + ALPHABET[group & 63]!;
  }
  return id;
}
