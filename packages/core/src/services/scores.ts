/**
 * The ranking scores of the page indexes, as `store/lua/prelude.lua` computes
 * them when it indexes a root: the thread reader places a reader's hidden
 * roots (which are in no index) by the same numbers.
 */

/** Reddit's hot ranking: each factor of ten in net votes is worth 45 000 s (12.5 h) of recency. */
export function hotScore(upvotes: number, downvotes: number, createdMs: number): number {
  const score = upvotes - downvotes;
  return (
    Math.sign(score) * Math.log10(Math.max(Math.abs(score), 1)) + (createdMs / 1000 - 1134028003) / 45000
  );
}

/** Many votes, evenly split, rank highest; 0 when either side has none. */
export function controversyScore(upvotes: number, downvotes: number): number {
  if (upvotes <= 0 || downvotes <= 0) return 0;
  const balance = upvotes < downvotes ? upvotes / downvotes : downvotes / upvotes;
  return (upvotes + downvotes) ** balance;
}
