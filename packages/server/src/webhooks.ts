import type { RedisClient } from '@threadkit/core';
import {
  type Config,
  type EgressPolicy,
  type EventBus,
  egressPolicy,
  type MailQueue,
  type ModerationStore,
  PUBLIC_ONLY,
  type SiteDirectory,
  type UserStore,
  WebhookService,
  WebhookStore,
  WebhookWorker,
  type WebhookWorkerOptions,
  webhookDisabledEmail,
} from '@threadkit/core';
import type { Logger } from 'pino';

/**
 * Where the deliveries of a site with `webhooks_allow_private` may go: anywhere
 * when the site's owner runs the server (standalone); in SaaS mode the owner is
 * a tenant, and only the ranges the operator allows (`OUTBOUND_ALLOW_PRIVATE`)
 * are reachable besides public addresses.
 */
export function privateTargetsPolicy(config: Pick<Config, 'mode' | 'outboundAllowPrivate'>): EgressPolicy {
  return config.mode === 'saas' ? egressPolicy(config.outboundAllowPrivate) : egressPolicy('all');
}

/**
 * Webhooks wired into a process: the owner's endpoints, the bus listener that
 * queues deliveries, and the worker that sends them (started with the app).
 */
export function createWebhooks(deps: {
  config: Config;
  redis: RedisClient;
  logger: Logger;
  events: EventBus;
  directory: SiteDirectory;
  moderation: ModerationStore;
  users: UserStore;
  mail: MailQueue;
  options?: Partial<WebhookWorkerOptions> | undefined;
}): { service: WebhookService; worker: WebhookWorker } {
  const { config, logger } = deps;
  const store = new WebhookStore(deps.redis);
  const privateTargets = privateTargetsPolicy(config);
  const worker = new WebhookWorker(
    {
      store,
      egressFor: async (siteId) =>
        (await deps.directory.get(siteId)).settings.webhooks_allow_private ? privateTargets : PUBLIC_ONLY,
      onDisabled: async (siteId, endpoint, reason) => {
        // In SaaS mode the owners' addresses are the dashboard's: it mails them. The admins hear of it below.
        const reported = deps.directory
          .webhookDisabled(siteId, endpoint, reason)
          .catch((error: unknown) =>
            logger.error(
              { err: error, site: siteId, endpoint: endpoint.id },
              'webhooks: could not tell the dashboard of a disabled endpoint',
            ),
          );
        const site = await deps.directory.get(siteId);
        const admins = await deps.moderation.members(siteId, 'admin');
        const found = await Promise.all(admins.map((id) => deps.users.get(siteId, id)));
        // Only verified addresses: an unverified one may belong to someone else.
        const to = found.flatMap((user) => (user?.email && user.email_verified ? [user.email] : []));
        if (to.length === 0 && deps.config.mode !== 'saas')
          logger.warn(
            { site: siteId, endpoint: endpoint.id },
            'webhooks: no admin e-mail to tell of a disabled endpoint',
          );
        for (const address of to)
          await deps.mail.enqueue(siteId, webhookDisabledEmail(address, site, endpoint, reason));
        await reported;
      },
      log: logger,
    },
    deps.options,
  );
  const service = new WebhookService({
    store,
    onQueued: () => worker.wake(),
    onEnqueueError: (error, event) =>
      logger.error({ err: error, event }, 'webhooks: could not queue a delivery; the write stands'),
    ...(deps.options?.clock ? { clock: deps.options.clock } : {}),
  });
  deps.events.subscribe(service.listener());
  return { service, worker };
}
