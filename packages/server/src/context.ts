import { randomBytes } from 'node:crypto';
import {
  AccountService,
  AuthService,
  CodeStore,
  CommentService,
  CommentStore,
  type Config,
  EventBus,
  LimitStore,
  LogMailer,
  LogSms,
  PageStates,
  ProfileService,
  type RedisClient,
  redisRelay,
  scripts,
  SessionStore,
  SiteService,
  SiteStore,
  SmtpMailer,
  ThreadReader,
  TokenSigner,
  TwilioSms,
  UserStore,
} from '@threadkit/core';
import type { Logger } from 'pino';

/** Everything a request handler needs, wired once per process. */
export interface AppContext {
  config: Config;
  redis: RedisClient;
  sites: SiteService;
  auth: AuthService;
  accounts: AccountService;
  profiles: ProfileService;
  comments: CommentService;
  threads: ThreadReader;
  /** Page versions and batched page views; flushed on close. */
  pages: PageStates;
  events: EventBus;
}

export async function createContext(config: Config, redis: RedisClient, logger: Logger): Promise<AppContext> {
  // A missing script file should stop the start, not fail the first request that needs it.
  scripts();
  const siteStore = new SiteStore(redis);
  const commentStore = new CommentStore(redis);
  const secret = config.jwtSecret ?? (await siteStore.jwtSecret(() => randomBytes(48).toString('base64url')));
  const events = new EventBus((error, event) =>
    logger.error({ err: error, event: event.type, page: event.pageId }, 'event listener failed'),
  );
  events.subscribe(redisRelay(redis));
  const pages = new PageStates(commentStore, {
    onFlushError: (error) => logger.warn({ err: error }, 'could not write page views'),
  });
  // A write through this instance is visible to its next read at once.
  events.subscribe((event) => pages.invalidate(event.siteId, event.pageId));
  const users = new UserStore(redis);
  const sessions = new SessionStore(redis, config.sessionTtl);
  const auth = new AuthService({ users, sessions, signer: new TokenSigner(secret, config.accessTokenTtl) });
  const accounts = new AccountService({
    users,
    sessions,
    auth,
    codes: new CodeStore(redis),
    limits: new LimitStore(redis),
    mailer: config.email.smtpUrl
      ? new SmtpMailer(config.email.smtpUrl, config.email.from)
      : new LogMailer((message, email) => logger.info({ to: email.to, text: email.text }, message)),
    sms: config.twilio ? new TwilioSms(config.twilio) : new LogSms((message) => logger.info(message)),
  });
  return {
    config,
    redis,
    sites: new SiteService(siteStore),
    auth,
    accounts,
    profiles: new ProfileService({ users, sessions, accounts, redis }),
    comments: new CommentService({ store: commentStore, events }),
    threads: new ThreadReader(commentStore, pages),
    pages,
    events,
  };
}
