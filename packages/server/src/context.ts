import { createHmac, randomBytes } from 'node:crypto';
import {
  AccountService,
  AuthService,
  CodeStore,
  CommentService,
  CommentStore,
  type Config,
  checkLayout,
  createModerationPipeline,
  DashboardDirectory,
  DisplayNames,
  EventBus,
  ExportStore,
  egressPolicy,
  ImportJobs,
  isPageEvent,
  LimitStore,
  LogMailer,
  LogSms,
  MailDigestStore,
  MailQueue,
  type MailQueueOptions,
  MailQueueStore,
  ModerationService,
  ModerationStore,
  NOTIFICATIONS_KEPT,
  NOTIFICATIONS_MAX_AGE_MS,
  NotificationService,
  NotificationStore,
  OAuthService,
  OAuthStore,
  OwnerTokens,
  PageStates,
  ProfileService,
  RateLimiter,
  type RateLimiterOptions,
  RateLimitStore,
  RealtimeStore,
  type RedisClient,
  redisRelay,
  SessionStore,
  type SiteDirectory,
  SiteExport,
  type SitePurgeOptions,
  SitePurgeStore,
  SitePurges,
  SiteService,
  SiteStore,
  SmtpMailer,
  scripts,
  ThreadReader,
  TokenSigner,
  TwilioSms,
  UnsubscribeTokens,
  USAGE_TOP_PAGES,
  UsageMeter,
  UsageStore,
  UserStore,
  type WebhookService,
  type WebhookWorker,
  type WebhookWorkerOptions,
} from '@threadkit/core';
import type { Logger } from 'pino';
import { createWebhooks } from './webhooks.js';

/** Everything a request handler needs, wired once per process. */
export interface AppContext {
  config: Config;
  redis: RedisClient;
  /** The standalone site in Redis (the CLI's site commands, the demo page). */
  sites: SiteService;
  /** Where requests find their site by key: the standalone site's, or in SaaS mode the dashboard's. */
  directory: SiteDirectory;
  /** SaaS mode: verifies the dashboard's owner tokens (key derived from INTERNAL_API_SECRET); null standalone. */
  ownerTokens: OwnerTokens | null;
  auth: AuthService;
  accounts: AccountService;
  /** Sign-in with Google, GitHub and OpenID Connect providers. */
  oauth: OAuthService;
  profiles: ProfileService;
  moderation: ModerationService;
  comments: CommentService;
  threads: ThreadReader;
  /** Page versions and batched page views; flushed on close. */
  pages: PageStates;
  events: EventBus;
  /** Page event logs, live channels and presence, shared with the WebSocket gateway. */
  realtime: RealtimeStore;
  /** Reply, mention and upvote notifications; `settled()` waits for their background work. */
  notifications: NotificationService;
  /** Outgoing e-mail (notifications): its worker runs while the app is open (see app.ts). */
  mailQueue: MailQueue;
  /** Sliding-window rate limits (plugins/rate-limit.ts); reports what it let through on close. */
  rateLimiter: RateLimiter;
  /** Usage per site, day and month, counted in memory and written in batches; flushed on close. */
  usage: UsageMeter;
  /** Deletes deleted sites' data: its worker runs while the server is open (see app.ts, server.ts). */
  purges: SitePurges;
  /** The owner's webhook endpoints; deliveries are queued from the event bus. */
  webhooks: WebhookService;
  /** A whole site in ThreadKit's export format, streamed (`GET /v1/export`, `threadkit export`). */
  exports: SiteExport;
  /** Sends queued webhook deliveries: runs while the app is open (see app.ts). */
  webhookWorker: WebhookWorker;
  /** Imports sent to `POST /v1/imports`, run in the background of this instance. */
  imports: ImportJobs;
}

/** Knobs for tests: a fast mail-queue poll and retry back-off. */
export interface ContextOptions {
  mailQueue?: Partial<MailQueueOptions>;
  /** Webhook delivery knobs: a short retry schedule, lease and poll. */
  webhooks?: Partial<WebhookWorkerOptions>;
  /** How long the spam checks wait for Akismet or the moderation API (default 3 s). */
  spamCheckTimeoutMs?: number;
  /** The clock of the rate limiter, the usage meter, notifications' age, their e-mail window and the mail queue (ms): tests move it instead of sleeping. */
  clock?: () => number;
  /** At most one notification e-mail per recipient in this window (default 10 minutes; 0: no limit). */
  notificationEmailWindowMs?: number;
  /** Rate limiter knobs (grants, report interval). */
  rateLimiter?: Omit<RateLimiterOptions, 'clock'>;
  /** Site purge knobs: a short margin and poll, a small batch; the clock is `clock` unless given here. */
  sitePurges?: Partial<SitePurgeOptions>;
  /** How many pages each month's top-pages sets keep (default `USAGE_TOP_PAGES`, 1000). */
  usageTopPages?: number;
}

export async function createContext(
  config: Config,
  redis: RedisClient,
  logger: Logger,
  options: ContextOptions = {},
): Promise<AppContext> {
  // A missing script file should stop the start, not fail the first request that needs it.
  scripts();
  // Data in a layout this code does not read must stop the start too (docs/redis.md, Layout versions).
  await checkLayout(redis);
  const siteStore = new SiteStore(redis);
  const commentStore = new CommentStore(redis, config.redis.replicaWait);
  const secret = config.jwtSecret ?? (await siteStore.jwtSecret(() => randomBytes(48).toString('base64url')));
  const events = new EventBus((error, event) =>
    logger.error(
      { err: error, event: event.type, page: 'pageId' in event ? event.pageId : null },
      'event listener failed',
    ),
  );
  const realtime = new RealtimeStore(redis);
  events.subscribe(redisRelay(realtime));
  const pages = new PageStates(commentStore, {
    onFlushError: (error) => logger.warn({ err: error }, 'could not write page views'),
  });
  // A write through this instance is visible to its next read at once.
  events.subscribe((event) => {
    if (isPageEvent(event)) pages.invalidate(event.siteId, event.pageId);
  });
  const users = new UserStore(redis, (siteId) => pages.invalidateSite(siteId));
  // The services count their usage into the meter, in memory.
  const usageTopPages = options.usageTopPages ?? USAGE_TOP_PAGES;
  const usage = new UsageMeter(new UsageStore(redis, { topPages: usageTopPages }), {
    // Visitor digests under a key of their own, derived from the server secret.
    visitorKey: createHmac('sha256', secret).update('threadkit usage visitors').digest(),
    ...(options.clock ? { clock: options.clock } : {}),
    onFlushError: (error) => logger.warn({ err: error }, 'could not write usage counts'),
  });
  const sessions = new SessionStore(redis, config.sessionTtl);
  // Names are cleaned, and kept from passing for a moderator's, wherever they are set.
  const names = new DisplayNames(users);
  const auth = new AuthService({
    users,
    sessions,
    names,
    signer: new TokenSigner(secret, config.accessTokenTtl),
    usage,
  });
  // One mailer for codes and notifications.
  const mailer = config.email.smtpUrl
    ? new SmtpMailer(config.email.smtpUrl, config.email.from)
    : new LogMailer((message, email) => logger.info({ to: email.to, text: email.text }, message));
  const accounts = new AccountService({
    users,
    sessions,
    auth,
    names,
    codes: new CodeStore(redis),
    limits: new LimitStore(redis),
    mailer,
    sms: config.twilio ? new TwilioSms(config.twilio) : new LogSms((message) => logger.info(message)),
    onDeliveryError: (error, channel) => logger.error({ err: error, channel }, 'could not send a code'),
    usage,
  });
  const sites = new SiteService(siteStore);
  const directory: SiteDirectory = config.dashboard
    ? new DashboardDirectory({
        ...config.dashboard,
        onError: (error) => logger.warn({ err: error }, 'the dashboard did not answer'),
      })
    : sites;
  const clock = options.clock ?? Date.now;
  // The queue sends the notifications' digests, which the notification service makes when they are due.
  const mailQueue: MailQueue = new MailQueue(
    new MailQueueStore(redis),
    mailer,
    logger,
    { clock, ...options.mailQueue },
    { compose: (ref, nowMs) => notifications.compose(ref, nowMs) },
  );
  const notifications: NotificationService = new NotificationService({
    digests: new MailDigestStore(redis),
    clock,
    ...(options.notificationEmailWindowMs === undefined
      ? {}
      : { emailWindowMs: options.notificationEmailWindowMs }),
    store: new NotificationStore(redis, {
      kept: NOTIFICATIONS_KEPT,
      maxAgeMs: NOTIFICATIONS_MAX_AGE_MS,
      now: options.clock ?? Date.now,
    }),
    realtime,
    comments: commentStore,
    users,
    sites: directory,
    mail: mailQueue,
    unsubscribe: new UnsubscribeTokens(secret),
    publicUrl: config.publicUrl,
    onError: (error, event) =>
      logger.error(
        { err: error, event: event.type, page: 'pageId' in event ? event.pageId : null },
        'notifications failed',
      ),
  });
  notifications.listen(events);
  const rateLimiter = new RateLimiter(new RateLimitStore(redis), {
    onFlushError: (error) => logger.warn({ err: error }, 'could not report rate-limit counts'),
    ...options.rateLimiter,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const purges = new SitePurges(
    { store: new SitePurgeStore(redis), mail: new MailQueueStore(redis), log: logger },
    { clock, ...options.sitePurges },
  );
  const moderationStore = new ModerationStore(redis);
  const webhooks = createWebhooks({
    config,
    redis,
    logger,
    events,
    directory,
    moderation: moderationStore,
    users,
    mail: mailQueue,
    options: options.webhooks,
  });
  return {
    config,
    redis,
    realtime,
    sites,
    directory,
    ownerTokens: config.dashboard ? new OwnerTokens(config.dashboard.secret) : null,
    auth,
    accounts,
    oauth: new OAuthService({
      publicUrl: config.publicUrl,
      providers: config.oauthProviders,
      states: new OAuthStore(redis),
      users,
      sessions,
      limits: new LimitStore(redis),
      auth,
      accounts,
      names,
      usage,
    }),
    moderation: new ModerationService({
      store: moderationStore,
      users,
      events,
      onSiteChanged: (siteId) => pages.invalidateSite(siteId),
      usage,
    }),
    profiles: new ProfileService({ users, sessions, accounts, notifications, comments: commentStore, names }),
    comments: new CommentService({
      store: commentStore,
      events,
      realtime,
      usageClock: clock,
      usageTopPages,
      usage,
      // Outside services fail open: one warning per failed call, with the site and step (no secrets).
      moderation: createModerationPipeline({
        akismetUrl: config.akismetApiUrl,
        egress: egressPolicy(config.outboundAllowPrivate),
        ...(options.spamCheckTimeoutMs ? { timeoutMs: options.spamCheckTimeoutMs } : {}),
        log: (fields, message) => logger.warn(fields, message),
      }),
    }),
    threads: new ThreadReader(commentStore, pages),
    pages,
    events,
    notifications,
    mailQueue,
    rateLimiter,
    usage,
    purges,
    webhooks: webhooks.service,
    webhookWorker: webhooks.worker,
    imports: new ImportJobs(
      redis,
      (message, error) => logger.error({ err: error }, message),
      () => sites.forgetCached(),
    ),
    exports: new SiteExport({ store: new ExportStore(redis), users }),
  };
}
