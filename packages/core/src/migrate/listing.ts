/** What the migration needs to know of a comment to place it. */
export interface Placeable {
  i: string;
  pid: string;
  a: string;
  s: 'approved' | 'pending' | 'rejected' | 'deleted';
}

/**
 * Which comments of a page are listed: in the public thread every reader
 * walks (`prelude.lua`, `is_listed`). A comment is when it is published and
 * its author is not shadow-banned; a deleted placeholder is while one of its
 * replies is. Replies are decided before their parents (deepest first, without
 * recursion: a chain may be thousands of levels deep).
 */
export function listedComments(comments: Placeable[], shadowbanned: Set<string>): Set<string> {
  const byId = new Map(comments.map((c) => [c.i, c]));
  const depth = new Map<string, number>();
  const depthOf = (start: Placeable): number => {
    const chain: Placeable[] = [];
    let node: Placeable | undefined = start;
    let base = -1;
    while (node) {
      const known = depth.get(node.i);
      if (known !== undefined) {
        base = known;
        break;
      }
      chain.push(node);
      node = node.pid ? byId.get(node.pid) : undefined;
    }
    for (let k = chain.length - 1; k >= 0; k--) depth.set(chain[k]!.i, ++base);
    return depth.get(start.i)!;
  };
  const deepestFirst = [...comments].sort((a, b) => depthOf(b) - depthOf(a));
  const listed = new Set<string>();
  const hasListedReply = new Set<string>();
  for (const c of deepestFirst) {
    const isListed =
      c.s === 'deleted' ? hasListedReply.has(c.i) : c.s === 'approved' && !shadowbanned.has(c.a);
    if (!isListed) continue;
    listed.add(c.i);
    if (c.pid) hasListedReply.add(c.pid);
  }
  return listed;
}
