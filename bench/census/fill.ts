/**
 * Writes a planned site into Redis through ThreadKit's own services, wired by
 * the server's `createContext` exactly as `threadkit start` wires them: the
 * standalone site, guests and accounts (sign-in codes travel by SMTP to a
 * local test server), comments through the spam checks, moderators' decisions,
 * votes, reports, deletions, and the notifications the services make of them.
 * Nothing here writes a Redis key itself, so the fill keeps working when the
 * storage layout under the services changes.
 */
import {
  type Config,
  loadConfig,
  type PageRef,
  resolvePage,
  type SiteRecord,
  type User,
  type Viewer,
} from '@threadkit/core';
import { type AppContext, connectRedis, createContext } from '@threadkit/server';
import pino from 'pino';
import { type SmtpTestServer, startSmtpServer } from '../../packages/testing/src/smtp.js';
import { itemStream } from './random.js';
import { type PhaseResult, runPhase } from './run.js';
import { Fate, isHeld, type SitePlan, UserKind } from './shape.js';
import {
  avatarUrl,
  commenterEmail,
  commenterName,
  commenterPassword,
  commentMarkdown,
  HELD_PHRASES,
  pageUrl,
} from './text.js';

export interface FillOptions {
  plan: SitePlan;
  redisUrl: string;
  /** Service calls in flight at once. */
  concurrency: number;
  progress?: NodeJS.WritableStream | undefined;
}

export interface FillResult {
  siteId: string;
  phases: PhaseResult[];
  /** Comments posted, and their status right after posting. */
  posted: { approved: number; pending: number };
  /** Comments whose status after posting was not the planned one (held or not). */
  unexpectedStatus: number;
  votes: number;
  /** Median length of the comments' Markdown, in characters. */
  markdownMedian: number;
}

/** Who the fill acts as: a signed-in commenter, as the API's authentication resolves them. */
type Commenter = Viewer & { userId: string; user: User };

const SITE_DOMAIN = 'www.northwind-journal.example';
const OWNER: Omit<Viewer, 'siteId'> = { userId: null, role: 'owner', sessionId: null };
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const REPORT_DETAILS = [
  'This is an advert.',
  'Off topic and rude.',
  'Personal attack on another commenter.',
  'The numbers quoted here are wrong.',
  'Posted the same thing on three pages.',
];
/** Notification work is awaited this often, so it cannot fall far behind the writes. */
const CHECKPOINT_EVERY = 20_000;

export async function fillSite(options: FillOptions): Promise<FillResult> {
  const smtp = await startSmtpServer();
  const config: Config = loadConfig({
    MODE: 'standalone',
    REDIS_URL: options.redisUrl,
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'Northwind Journal <comments@northwind-journal.example>',
    PUBLIC_URL: 'https://comments.northwind-journal.example',
    THREADKIT_SITE_NAME: 'Northwind Journal',
    THREADKIT_SITE_DOMAIN: SITE_DOMAIN,
    // Only the HTTP layer rate-limits; the services are called directly, but say so anyway.
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
  });
  // Warnings go to stderr, beside the progress; stdout is the census.
  const logger = pino({ level: config.logLevel }, pino.destination(2));
  const connection = await connectRedis(config, () => {});
  const context = await createContext(config, connection.redis, logger);
  try {
    return await writeSite(context, config, options, smtp);
  } finally {
    // What the app's onClose does: counters in memory are written, background work finishes.
    await context.notifications.settled();
    await context.pages.close();
    await Promise.all([context.usage.close(), context.rateLimiter.close()]);
    await connection.close();
    await smtp.stop();
  }
}

async function writeSite(
  context: AppContext,
  config: Config,
  options: FillOptions,
  mail: SmtpTestServer,
): Promise<FillResult> {
  const { plan } = options;
  const { targets } = plan;
  const seed = targets.seed;
  const { sites, auth, accounts, profiles, comments, moderation, notifications } = context;
  const phases: PhaseResult[] = [];
  const phase = async (name: string, count: number, task: (index: number) => Promise<void>) => {
    phases.push(
      await runPhase(name, count, task, {
        concurrency: options.concurrency,
        progress: options.progress,
        checkpointEvery: CHECKPOINT_EVERY,
        checkpoint: () => notifications.settled(),
      }),
    );
  };

  // The standalone site, as the first `threadkit start` creates it, with spam checks that hold
  // comments carrying the filtered phrases or too many links (`threadkit site set`).
  const { site: created } = await sites.ensureStandaloneSite(config.site);
  await sites.setSettings(created.id, [
    ['word_filter', HELD_PHRASES.join(',')],
    ['word_filter_action', 'hold'],
    ['max_links', '5'],
  ]);
  const site: SiteRecord = await sites.get(created.id);
  const owner: Viewer = { siteId: site.id, ...OWNER };

  // Commenters: guests as POST /v1/auth/guest makes them, accounts by e-mail code or password.
  const names = Array.from({ length: targets.users }, (_, u) => commenterName(seed, u));
  const tokens: string[] = new Array(targets.users);
  const commenters: Commenter[] = new Array(targets.users);
  const anonymous: Viewer = { siteId: site.id, userId: null, role: 'anonymous', sessionId: null };
  await phase('commenters', targets.users, async (u) => {
    const name = names[u]!;
    const ip = addressOf(u);
    const kind = plan.userKind[u];
    let token: string;
    if (kind === UserKind.guest) {
      token = (await auth.createGuest(site, name)).token;
    } else {
      const email = commenterEmail(seed, u, name);
      if (kind === UserKind.emailAccount) {
        await accounts.sendSigninCode(site, { email }, ip);
        const code = await mail.codeFor(email);
        token = (await accounts.verifySigninCode(site, anonymous, { email, code, name }, ip)).token;
      } else {
        const password = commenterPassword(seed, u);
        token = (await accounts.register(site, anonymous, { email, name, password }, ip)).token;
        // With the account's own session, as the widget verifies right after registering.
        const registrant = await auth.authenticate(site.id, token);
        await accounts.verify(site, registrant, { email, code: await mail.codeFor(email) }, ip);
      }
    }
    let viewer = (await auth.authenticate(site.id, token)) as Commenter;
    if (kind !== UserKind.guest && itemStream(seed, 'has avatar', u)() < targets.avatarShare) {
      await profiles.update(site, viewer, { avatar_url: avatarUrl(seed, u) });
      viewer = (await auth.authenticate(site.id, token)) as Commenter;
    }
    tokens[u] = token;
    commenters[u] = viewer;
  });
  // Moderators are appointed as `threadkit admin promote … moderator` does.
  for (const u of plan.moderators) {
    await moderation.setRole(site, owner, commenters[u]!.userId, 'moderator', true);
    commenters[u] = (await auth.authenticate(site.id, tokens[u]!)) as Commenter;
  }
  const moderatorOf = (i: number) => commenters[plan.moderators[i % plan.moderators.length]!]!;
  // Nobody acts on their own rank or above: a moderator's comment is decided by the owner.
  const moderatorSet = new Set(plan.moderators);
  const deciderOf = (comment: number, n: number) =>
    moderatorSet.has(plan.commentAuthor[comment]!) ? owner : moderatorOf(n);

  // Comments, in time order across pages. A reply waits for its parent's id if the parent is
  // still being posted (it was started earlier: tasks start in order).
  const pages: PageRef[] = Array.from({ length: targets.pages }, (_, p) =>
    resolvePage(site.id, { page_url: pageUrl(seed, p) }),
  );
  const ids: string[] = new Array(targets.comments);
  const inFlight = new Map<number, Promise<string>>();
  const approved = new Uint8Array(targets.comments);
  const lengths = new Int32Array(targets.comments);
  let unexpectedStatus = 0;
  let pending = 0;
  await phase('comments', targets.comments, async (position) => {
    const i = plan.postingOrder[position]!;
    const page = plan.commentPage[i]!;
    const parent = plan.commentParent[i]!;
    const posting = (async () => {
      const parentId = parent < 0 ? undefined : (ids[parent] ?? (await inFlight.get(parent)));
      if (parent >= 0 && parentId === undefined) throw new Error(`reply ${i} before its parent ${parent}`);
      const first = plan.pageStart[page]!;
      const earlier = i > first ? first + Math.floor(itemStream(seed, 'mention', i)() * (i - first)) : -1;
      const content = commentMarkdown(seed, i, {
        page,
        parentAuthor: parent < 0 ? null : names[plan.commentAuthor[parent]!]!,
        earlierCommenter: earlier < 0 ? null : names[plan.commentAuthor[earlier]!]!,
        held: isHeld(plan.commentFate[i]!),
      });
      const author = plan.commentAuthor[i]!;
      const view = await comments.create(site, commenters[author]!, {
        page: pages[page]!,
        content,
        parentId,
        client: { ip: addressOf(author), userAgent: USER_AGENT, referrer: pages[page]!.url },
      });
      lengths[i] = content.length;
      if (view.s === 'approved') approved[i] = 1;
      else pending++;
      if (isHeld(plan.commentFate[i]!) !== (view.s === 'pending')) unexpectedStatus++;
      ids[i] = view.i;
      return view.i;
    })();
    inFlight.set(i, posting);
    try {
      await posting;
    } finally {
      inFlight.delete(i);
    }
  });

  // Moderators go through the review queue: most held comments are approved, some rejected.
  const reviewed = indicesWith(plan, [Fate.heldApproved, Fate.heldRejected]);
  await phase('review queue', reviewed.length, async (n) => {
    const i = reviewed[n]!;
    const action = plan.commentFate[i] === Fate.heldApproved ? 'approve' : 'reject';
    await moderation.decide(site, deciderOf(i, n), [ids[i]!], action);
    if (action === 'approve') approved[i] = 1;
  });

  let votes = 0;
  await phase('votes', plan.voteComment.length, async (v) => {
    const comment = plan.voteComment[v]!;
    if (!approved[comment]) return;
    await comments.vote(site, commenters[plan.voteVoter[v]!]!, ids[comment]!, plan.voteUp[v] ? 'up' : 'down');
    votes++;
  });

  await phase('reports', plan.reports.length, async (n) => {
    const report = plan.reports[n]!;
    await comments.report(site, commenters[report.reporter]!, ids[report.comment]!, {
      reason: report.reason,
      details: report.details ? REPORT_DETAILS[n % REPORT_DETAILS.length] : undefined,
    });
  });

  // Reported comments: some taken down, some kept (approving settles their reports), the rest still open.
  const settled = indicesWith(plan, [Fate.reportedRejected, Fate.reportedDismissed]);
  await phase('report queue', settled.length, async (n) => {
    const i = settled[n]!;
    const action = plan.commentFate[i] === Fate.reportedRejected ? 'reject' : 'approve';
    await moderation.decide(site, deciderOf(i, n), [ids[i]!], action);
  });

  const deleted = indicesWith(plan, [Fate.deleted]);
  await phase('deletions', deleted.length, async (n) => {
    const i = deleted[n]!;
    await comments.delete(site, commenters[plan.commentAuthor[i]!]!, ids[i]!);
  });

  await notifications.settled();
  const sorted = lengths.slice().sort();
  return {
    siteId: site.id,
    phases,
    posted: { approved: targets.comments - pending, pending },
    unexpectedStatus,
    votes,
    markdownMedian: sorted.length === 0 ? 0 : sorted[sorted.length >> 1]!,
  };
}

function indicesWith(plan: SitePlan, fates: number[]): Int32Array {
  const wanted = new Set(fates);
  const found: number[] = [];
  for (let i = 0; i < plan.commentFate.length; i++) if (wanted.has(plan.commentFate[i]!)) found.push(i);
  return Int32Array.from(found);
}

/** Each commenter writes from an address of their own (the account service limits codes per address). */
const addressOf = (user: number) => `10.${(user >> 16) & 255}.${(user >> 8) & 255}.${user & 255}`;
