/**
 * The shape of the generated site, planned in memory before anything is
 * written: page sizes, reply trees, who writes what, what happens to each
 * comment afterwards (held, rejected, deleted…), and who votes on what.
 *
 * At scale 1: 1 000 000 comments on 10 000 pages (median 52 a page, the
 * largest 20 134), 40 % roots, replies at most 4 deep, 50 000 commenters whose
 * activity is heavy-tailed, 2 000 000 votes. Sizes are laid out on distribution
 * quantiles rather than drawn, so medians and totals are exact at any scale.
 */
import { REPORT_REASONS, type ReportReason } from '@threadkit/core';
import {
  chance,
  itemStream,
  lognormal,
  normalQuantile,
  type Random,
  shuffle,
  stream,
  WeightedPicker,
} from './random.js';

export interface Targets {
  scale: number;
  seed: number;
  comments: number;
  pages: number;
  /** Median comments per page. */
  pageMedian: number;
  /** Comments on the busiest page, where the heavy tail reaches that far. */
  largestPage: number;
  rootShare: number;
  /** Deepest reply level (roots are depth 0). */
  maxDepth: number;
  users: number;
  /** Median comments per commenter (everyone has at least one). */
  userMedian: number;
  votes: number;
  moderators: number;
  /** Commenters with an account signed in by e-mail code, and by password (the rest are guests). */
  emailAccountShare: number;
  passwordAccountShare: number;
  /** Accounts that set an avatar URL in their profile. */
  avatarShare: number;
  /** Comments the spam checks hold for review (of all comments). */
  heldShare: number;
  /** What moderators do with held comments: the rest stay pending. */
  heldApprovedShare: number;
  heldRejectedShare: number;
  /** Published comments that readers report, and what moderators do with them (the rest stay open). */
  reportedShare: number;
  reportRejectedShare: number;
  reportDismissedShare: number;
  /** Comments their authors delete in the end. */
  deletedShare: number;
}

export function targetsFor(scale: number, seed: number): Targets {
  if (!(scale > 0)) throw new Error('scale must be a positive number');
  const comments = Math.max(1, Math.round(1_000_000 * scale));
  const users = Math.max(2, Math.min(comments, Math.round(50_000 * scale)));
  return {
    scale,
    seed,
    comments,
    pages: Math.max(1, Math.min(comments, Math.round(10_000 * scale))),
    pageMedian: 52,
    largestPage: Math.max(1, Math.round(20_134 * scale)),
    rootShare: 0.4,
    maxDepth: 4,
    users,
    userMedian: 2,
    votes: Math.round(2_000_000 * scale),
    moderators: Math.max(1, Math.min(3, Math.round(users / 1000))),
    emailAccountShare: 0.18,
    passwordAccountShare: 0.02,
    avatarShare: 0.35,
    heldShare: 0.02,
    heldApprovedShare: 0.55,
    heldRejectedShare: 0.3,
    reportedShare: 0.008,
    reportRejectedShare: 0.4,
    reportDismissedShare: 0.3,
    deletedShare: 0.025,
  };
}

/** What happens to a comment after it is posted. */
export const Fate = {
  published: 0,
  /** Held by the spam checks, then approved by a moderator. */
  heldApproved: 1,
  heldRejected: 2,
  /** Held, and still waiting in the review queue. */
  heldPending: 3,
  /** Reported by readers, then rejected by a moderator. */
  reportedRejected: 4,
  /** Reported, and a moderator kept it (approving settles the reports). */
  reportedDismissed: 5,
  /** Reported, and still in the report queue. */
  reportedOpen: 6,
  /** Deleted by its author (a placeholder stays when it has replies). */
  deleted: 7,
} as const;
export type Fate = (typeof Fate)[keyof typeof Fate];

export const isHeld = (fate: number) =>
  fate === Fate.heldApproved || fate === Fate.heldRejected || fate === Fate.heldPending;
export const isReported = (fate: number) =>
  fate === Fate.reportedRejected || fate === Fate.reportedDismissed || fate === Fate.reportedOpen;

export const UserKind = { guest: 0, emailAccount: 1, passwordAccount: 2 } as const;

const REPORT_REASON_WEIGHTS: Record<ReportReason, number> = {
  spam: 0.4,
  harassment: 0.15,
  hate_speech: 0.05,
  misinformation: 0.15,
  other: 0.25,
};

export interface SitePlan {
  targets: Targets;
  /** Comments of page p are `pageStart[p]` … `pageStart[p] + pageSize[p] - 1`, parents before replies. */
  pageSize: Int32Array;
  pageStart: Int32Array;
  commentPage: Int32Array;
  /** The parent's comment index, -1 for a root. */
  commentParent: Int32Array;
  commentDepth: Uint8Array;
  commentAuthor: Int32Array;
  commentFate: Uint8Array;
  /** Direct replies planned. */
  commentReplies: Int32Array;
  /** Comment indices in the order they are posted (pages interleaved as in time). */
  postingOrder: Int32Array;
  userKind: Uint8Array;
  userComments: Int32Array;
  /** User indices of the moderators (accounts, among the most active). */
  moderators: number[];
  /** Votes, in the order they are cast. */
  voteComment: Int32Array;
  voteVoter: Int32Array;
  /** 1 up, 0 down. */
  voteUp: Uint8Array;
  reports: { comment: number; reporter: number; reason: ReportReason; details: boolean }[];
}

/**
 * Integer sizes, largest first, for `count` items summing to `total` with the
 * given median: lognormal quantiles whose spread is solved for the total,
 * raised to a Zipf tail `largest / rank` where that is bigger (a few pages go
 * viral far beyond what a lognormal body would give).
 */
export function heavyTailedSizes(
  count: number,
  total: number,
  options: { median: number; largest?: number; minimum?: number },
): Int32Array {
  const minimum = options.minimum ?? 1;
  const largest = options.largest ?? 0;
  if (count <= 0) return new Int32Array(0);
  if (total < count * minimum) throw new Error(`${total} cannot be split into ${count} items of ${minimum}+`);
  const median = Math.min(options.median, total / count);
  const z = Float64Array.from({ length: count }, (_, i) => normalQuantile(1 - (i + 0.5) / count));
  const sizeAt = (sigma: number, i: number) =>
    Math.max(minimum, median * Math.exp(sigma * z[i]!), largest / (i + 1));
  const sum = (sigma: number) => {
    let s = 0;
    for (let i = 0; i < count; i++) s += sizeAt(sigma, i);
    return s;
  };
  let low = 0;
  let high = 6;
  if (sum(low) > total) high = 0;
  for (let step = 0; step < 100 && high > low; step++) {
    const mid = (low + high) / 2;
    if (sum(mid) > total) high = mid;
    else low = mid;
  }
  const sizes = Int32Array.from({ length: count }, (_, i) => Math.max(minimum, Math.round(sizeAt(low, i))));
  // Rounding leaves the sum a little off: settle it on the next largest items, which barely notice
  // (not the largest, which is a target of its own).
  let excess = sizes.reduce((a, b) => a + b, 0) - total;
  const first = count > 1 ? 1 : 0;
  for (let i = first; excess !== 0; i = i + 1 < count ? i + 1 : first) {
    if (excess > 0 && sizes[i]! > minimum) {
      sizes[i] = sizes[i]! - 1;
      excess--;
    } else if (excess < 0) {
      sizes[i] = sizes[i]! + 1;
      excess++;
    }
  }
  return sizes;
}

/**
 * Replies go to a recent comment (people answer what they just read), often
 * climbing to that comment's ancestors instead; a reply that would go past
 * the deepest level answers the level above.
 */
const CLIMB = 0.42;
const RECENCY = 2.5;

function planTree(
  random: Random,
  size: number,
  start: number,
  rootShare: number,
  maxDepth: number,
  parent: Int32Array,
  depth: Uint8Array,
): void {
  const roots = Math.max(1, Math.round(size * rootShare));
  const isRoot = new Uint8Array(size);
  isRoot[0] = 1;
  const positions = Int32Array.from({ length: size - 1 }, (_, i) => i + 1);
  for (let i = 0; i < roots - 1; i++) {
    const j = i + Math.floor(random() * (positions.length - i));
    const chosen = positions[j]!;
    positions[j] = positions[i]!;
    positions[i] = chosen;
    isRoot[chosen] = 1;
  }
  for (let k = 0; k < size; k++) {
    const at = start + k;
    if (isRoot[k]) {
      parent[at] = -1;
      depth[at] = 0;
      continue;
    }
    let target = start + k - 1 - Math.floor(k * random() ** RECENCY);
    while (depth[target]! > 0 && random() < CLIMB) target = parent[target]!;
    if (depth[target]! >= maxDepth) target = parent[target]!;
    parent[at] = target;
    depth[at] = depth[target]! + 1;
  }
}

export function planSite(targets: Targets): SitePlan {
  const { seed } = targets;
  const C = targets.comments;

  // Pages: sizes shuffled over page indices, so page 0 is not always the busiest.
  const pageSize = shuffle(
    stream(seed, 'page order'),
    heavyTailedSizes(targets.pages, C, { median: targets.pageMedian, largest: targets.largestPage }),
  );
  const pageStart = new Int32Array(targets.pages);
  for (let p = 1; p < targets.pages; p++) pageStart[p] = pageStart[p - 1]! + pageSize[p - 1]!;

  const commentPage = new Int32Array(C);
  const commentParent = new Int32Array(C);
  const commentDepth = new Uint8Array(C);
  const trees = stream(seed, 'trees');
  for (let p = 0; p < targets.pages; p++) {
    commentPage.fill(p, pageStart[p]!, pageStart[p]! + pageSize[p]!);
    planTree(
      trees,
      pageSize[p]!,
      pageStart[p]!,
      targets.rootShare,
      targets.maxDepth,
      commentParent,
      commentDepth,
    );
  }
  const commentReplies = new Int32Array(C);
  for (let i = 0; i < C; i++) {
    const parent = commentParent[i]!;
    if (parent >= 0) commentReplies[parent] = commentReplies[parent]! + 1;
  }

  // Commenters: a few write thousands of comments, most one or two.
  const userComments = heavyTailedSizes(targets.users, C, { median: targets.userMedian });
  const commentAuthor = new Int32Array(C);
  let next = 0;
  for (let u = 0; u < targets.users; u++) {
    commentAuthor.fill(u, next, next + userComments[u]!);
    next += userComments[u]!;
  }
  const authors = stream(seed, 'authors');
  shuffle(authors, commentAuthor);
  // People rarely answer themselves: trade such a reply's author with a random comment's.
  for (let i = 0; i < C; i++) {
    const parent = commentParent[i]!;
    if (parent < 0 || commentAuthor[i] !== commentAuthor[parent]) continue;
    const j = Math.floor(authors() * C);
    const swap = commentAuthor[j]!;
    commentAuthor[j] = commentAuthor[i]!;
    commentAuthor[i] = swap;
  }

  const kinds = stream(seed, 'user kinds');
  const userKind = Uint8Array.from({ length: targets.users }, () => {
    const draw = kinds();
    if (draw < targets.passwordAccountShare) return UserKind.passwordAccount;
    if (draw < targets.passwordAccountShare + targets.emailAccountShare) return UserKind.emailAccount;
    return UserKind.guest;
  });
  // Moderators are the most active regulars (users are ranked by activity), with e-mail accounts.
  const moderators: number[] = [];
  for (let u = 0; u < targets.users && moderators.length < targets.moderators; u++) {
    if (userKind[u] === UserKind.guest) userKind[u] = UserKind.emailAccount;
    moderators.push(u);
  }
  const isModerator = new Uint8Array(targets.users);
  for (const u of moderators) isModerator[u] = 1;

  const commentFate = planFates(targets, stream(seed, 'fates'), {
    commentReplies,
    commentAuthor,
    isModerator,
  });

  const postingOrder = planPostingOrder(stream(seed, 'time'), pageSize, pageStart);

  const votes = planVotes(targets, stream(seed, 'votes'), {
    commentPage,
    commentDepth,
    commentAuthor,
    commentFate,
    pageStart,
    userComments,
  });
  const reports = planReports(targets, stream(seed, 'reports'), { commentAuthor, commentFate, userComments });

  return {
    targets,
    pageSize,
    pageStart,
    commentPage,
    commentParent,
    commentDepth,
    commentAuthor,
    commentFate,
    commentReplies,
    postingOrder,
    userKind,
    userComments,
    moderators,
    ...votes,
    reports,
  };
}

function planFates(
  targets: Targets,
  random: Random,
  plan: { commentReplies: Int32Array; commentAuthor: Int32Array; isModerator: Uint8Array },
): Uint8Array {
  const C = targets.comments;
  const fate = new Uint8Array(C);
  // Held comments wait unseen, so nobody answers them: only comments without replies are held.
  let eligible = 0;
  for (let i = 0; i < C; i++)
    if (plan.commentReplies[i] === 0 && !plan.isModerator[plan.commentAuthor[i]!]) eligible++;
  const heldChance = eligible > 0 ? Math.min(1, (targets.heldShare * C) / eligible) : 0;
  const reportChance = targets.reportedShare / (1 - targets.heldShare);
  const deleteChance = targets.deletedShare / (1 - targets.heldShare - targets.reportedShare);
  for (let i = 0; i < C; i++) {
    const leaf = plan.commentReplies[i] === 0 && !plan.isModerator[plan.commentAuthor[i]!];
    if (leaf && chance(random, heldChance)) {
      const draw = random();
      fate[i] =
        draw < targets.heldApprovedShare
          ? Fate.heldApproved
          : draw < targets.heldApprovedShare + targets.heldRejectedShare
            ? Fate.heldRejected
            : Fate.heldPending;
    } else if (chance(random, reportChance)) {
      const draw = random();
      fate[i] =
        draw < targets.reportRejectedShare
          ? Fate.reportedRejected
          : draw < targets.reportRejectedShare + targets.reportDismissedShare
            ? Fate.reportedDismissed
            : Fate.reportedOpen;
    } else if (chance(random, deleteChance)) {
      fate[i] = Fate.deleted;
    }
  }
  return fate;
}

/**
 * Pages appear at random moments; each draws most of its comments soon after
 * it appears and fewer later. Comments are posted in that global time order,
 * and a page's own order (parents before replies) is kept.
 */
function planPostingOrder(random: Random, pageSize: Int32Array, pageStart: Int32Array): Int32Array {
  const total = pageSize.reduce((a, b) => a + b, 0);
  const time = new Float64Array(total);
  for (let p = 0; p < pageSize.length; p++) {
    const appears = random();
    const span = 0.02 + 0.3 * random();
    const n = pageSize[p]!;
    for (let k = 0; k < n; k++) time[pageStart[p]! + k] = appears + span * (k / n) ** 2;
  }
  const order = Int32Array.from({ length: total }, (_, i) => i);
  order.sort((a, b) => time[a]! - time[b]! || a - b);
  return order;
}

function planVotes(
  targets: Targets,
  random: Random,
  plan: {
    commentPage: Int32Array;
    commentDepth: Uint8Array;
    commentAuthor: Int32Array;
    commentFate: Uint8Array;
    pageStart: Int32Array;
    userComments: Int32Array;
  },
): { voteComment: Int32Array; voteVoter: Int32Array; voteUp: Uint8Array } {
  const C = targets.comments;
  const U = targets.users;
  // Popular pages, early comments and roots collect votes; held comments that stay unpublished get none.
  const pagePull = Float64Array.from({ length: targets.pages }, () => lognormal(random, 1, 0.6));
  const depthPull = [1.6, 1, 0.7, 0.55, 0.45];
  const commentWeight = new Float64Array(C);
  let votable = 0;
  for (let i = 0; i < C; i++) {
    const fate = plan.commentFate[i]!;
    if (fate === Fate.heldRejected || fate === Fate.heldPending) continue;
    const position = i - plan.pageStart[plan.commentPage[i]!]!;
    commentWeight[i] =
      pagePull[plan.commentPage[i]!]! *
      (depthPull[plan.commentDepth[i]!] ?? 0.4) *
      (1 / Math.sqrt(1 + position / 10)) *
      lognormal(random, 1, 1.1);
    votable++;
  }
  // Active commenters vote more, give or take their temper.
  const voterWeight = Float64Array.from(plan.userComments, (n) => Math.sqrt(n) * lognormal(random, 1, 1));
  const voteComment = new Int32Array(targets.votes);
  const voteVoter = new Int32Array(targets.votes);
  const voteUp = new Uint8Array(targets.votes);
  if (targets.votes === 0 || votable === 0) return { voteComment, voteVoter, voteUp };
  const comments = new WeightedPicker(commentWeight);
  const voters = new WeightedPicker(voterWeight);
  const cast = new Set<number>();
  let count = 0;
  for (let attempts = 0; count < targets.votes && attempts < targets.votes * 50; attempts++) {
    const comment = comments.pick(random);
    const voter = voters.pick(random);
    if (plan.commentAuthor[comment] === voter) continue;
    const pair = comment * U + voter;
    if (cast.has(pair)) continue;
    cast.add(pair);
    voteComment[count] = comment;
    voteVoter[count] = voter;
    // Most comments are liked by those who vote on them; about one in seven splits opinion.
    const divisive = itemStream(targets.seed, 'divisive', comment)() < 0.15;
    voteUp[count] = random() < (divisive ? 0.45 : 0.86) ? 1 : 0;
    count++;
  }
  return {
    voteComment: voteComment.subarray(0, count),
    voteVoter: voteVoter.subarray(0, count),
    voteUp: voteUp.subarray(0, count),
  };
}

function planReports(
  targets: Targets,
  random: Random,
  plan: { commentAuthor: Int32Array; commentFate: Uint8Array; userComments: Int32Array },
): SitePlan['reports'] {
  const reporters = new WeightedPicker(Float64Array.from(plan.userComments, (n) => Math.sqrt(n)));
  const reasons = new WeightedPicker(REPORT_REASONS.map((reason) => REPORT_REASON_WEIGHTS[reason]));
  const reports: SitePlan['reports'] = [];
  if (targets.users < 2) return reports;
  for (let i = 0; i < targets.comments; i++) {
    if (!isReported(plan.commentFate[i]!)) continue;
    const count = Math.min(targets.users - 1, 1 + Math.floor(-Math.log(1 - random()) / 1.1), 4);
    const chosen = new Set<number>();
    for (let attempts = 0; chosen.size < count && attempts < 100; attempts++) {
      const reporter = reporters.pick(random);
      if (reporter !== plan.commentAuthor[i]) chosen.add(reporter);
    }
    const reason = REPORT_REASONS[reasons.pick(random)]!;
    for (const reporter of chosen)
      reports.push({ comment: i, reporter, reason, details: chance(random, 0.4) });
  }
  return shuffle(random, reports);
}

/** Figures of the plan, to print beside the targets. */
export function describePlan(plan: SitePlan): Record<string, string | number> {
  const { targets } = plan;
  const sizes = Int32Array.from(plan.pageSize).sort();
  const depth = [0, 0, 0, 0, 0, 0];
  for (const d of plan.commentDepth) depth[d] = (depth[d] ?? 0) + 1;
  const fates = new Array<number>(8).fill(0);
  for (const f of plan.commentFate) fates[f] = fates[f]! + 1;
  const percent = (n: number, of = targets.comments) => `${((100 * n) / Math.max(1, of)).toFixed(2)} %`;
  const kinds = [0, 0, 0];
  for (const k of plan.userKind) kinds[k] = kinds[k]! + 1;
  const up = plan.voteUp.reduce((a, b) => a + b, 0);
  return {
    comments: targets.comments,
    pages: targets.pages,
    'page size median / max': `${median(sizes)} / ${sizes[sizes.length - 1]}`,
    'depth 0/1/2/3/4': depth
      .slice(0, 5)
      .map((n) => percent(n))
      .join(', '),
    commenters: `${targets.users} (guests ${kinds[0]}, e-mail accounts ${kinds[1]}, password accounts ${kinds[2]}, moderators ${plan.moderators.length})`,
    'comments per commenter median / max': `${median(Int32Array.from(plan.userComments).sort())} / ${plan.userComments[0]}`,
    votes: `${plan.voteComment.length} (${percent(up, plan.voteComment.length)} up)`,
    'held (approved / rejected / pending)': `${percent(fates[1]! + fates[2]! + fates[3]!)} (${fates[1]} / ${fates[2]} / ${fates[3]})`,
    'reported (rejected / kept / open)': `${percent(fates[4]! + fates[5]! + fates[6]!)} (${fates[4]} / ${fates[5]} / ${fates[6]}), ${plan.reports.length} reports`,
    'deleted by author': `${percent(fates[7]!)} (${fates[7]})`,
  };
}

function median(sorted: Int32Array): number {
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
