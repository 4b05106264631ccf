import http from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ThreadKitError } from '@threadkit/core';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import pino, { type Logger } from 'pino';
import { CachedReads } from './cached-reads.js';
import type { AppContext } from './context.js';
import { credentialsPlugin } from './plugins/credentials.js';
import { errorsPlugin } from './plugins/errors.js';
import { HttpMetrics, metricsPlugin } from './plugins/metrics.js';
import { openapiPlugin } from './plugins/openapi.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { helmetHeaders, securityHeadersPlugin } from './plugins/security-headers.js';
import { usagePlugin } from './plugins/usage.js';
import { accountRoutes } from './routes/auth/accounts.js';
import { authRoutes } from './routes/auth/index.js';
import { oauthRoutes } from './routes/auth/oauth.js';
import { commentRoutes } from './routes/comments/index.js';
import { exportRoutes } from './routes/export/index.js';
import { feedRoutes } from './routes/feeds/index.js';
import { healthRoutes } from './routes/health.js';
import { homeRoutes } from './routes/home.js';
import { importRoutes } from './routes/imports/index.js';
import { moderationRoutes } from './routes/moderation/index.js';
import { notificationRoutes, unsubscribeRoutes } from './routes/notifications/index.js';
import { pageRoutes } from './routes/pages/index.js';
import { sitePurgeRoutes } from './routes/sites/purge.js';
import { siteRoleRoutes } from './routes/sites/roles.js';
import { siteSettingsRoutes } from './routes/sites/settings.js';
import { usageRoutes } from './routes/usage/index.js';
import { userRoutes } from './routes/users/index.js';
import { webhookRoutes } from './routes/webhooks/index.js';
import { DEFAULT_WIDGET_DIR, widgetRoutes } from './routes/widget.js';
import { CommentSchema, ErrorSchema, UserSchema } from './schemas.js';
import './types.js';
import { requestLogger } from './request-logger.js';
import { sharedSerializers } from './serializers.js';
import { rejectIllFormedText, validatorCompiler } from './validation.js';

export interface AppOptions {
  context: AppContext;
  /** The process's logger (see `createLogger`); without one the app logs nothing (tests). */
  logger?: Logger;
  /** Where the built widget is (`embed.js`, `widget/`); default packages/widget/dist. Tests point it elsewhere. */
  widgetDir?: string;
}

/** How long an idle keep-alive connection stays open (Fastify's default). */
const KEEP_ALIVE_MS = 72_000;

/** A request body larger than this is refused with 413 (a 10 000-character comment fits many times over). */
export const BODY_LIMIT = 64 * 1024;

/** Builds the HTTP app without listening: tests inject requests into it, `server.ts` listens. */
export async function buildApp({
  context,
  logger,
  widgetDir = DEFAULT_WIDGET_DIR,
}: AppOptions): Promise<FastifyInstance> {
  const metrics = new HttpMetrics();
  const securityHeaders = helmetHeaders({
    // The API serves JSON; the relaxed CSP only matters for the /docs page.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  // Every hook below that a cached thread read passes through is done by CachedReads too, with
  // the same functions; cached-reads.test.ts compares its answers with the route's.
  const cachedReads = new CachedReads({
    context,
    metrics,
    securityHeaders,
    logsRequests: logger?.isLevelEnabled('info') ?? false,
  });
  const app = Fastify({
    serverFactory: (handler) => {
      const server = http.createServer((request, response) => {
        cachedReads.answer(request, response, () => handler(request, response));
      });
      // What Fastify sets on the servers it makes itself.
      server.keepAliveTimeout = KEEP_ALIVE_MS;
      server.requestTimeout = 0;
      return server;
    },
    keepAliveTimeout: KEEP_ALIVE_MS,
    ...(logger
      ? {
          loggerInstance: logger as FastifyBaseLogger,
          childLoggerFactory: (parent, bindings, options) =>
            requestLogger(parent as Logger, bindings, options),
        }
      : { logger: false }),
    bodyLimit: BODY_LIMIT,
    // request.ip is the client's address: from X-Forwarded-For only when the socket is a trusted proxy.
    trustProxy: context.config.trustProxy.length > 0 ? context.config.trustProxy : false,
    return503OnClosing: true,
    schemaController: { compilersFactory: { buildSerializer: sharedSerializers() } },
    // A malformed URL (`%ZZ`) or an overlong path segment is bad input too: answer in the API's format.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const message =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is too long.' : 'The URL is malformed.';
      void reply.status(400).send(new ThreadKitError('invalid_request', message, { field: 'path' }).toJSON());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('preClose', (done) => {
    cachedReads.close();
    done();
  });
  app.setValidatorCompiler(validatorCompiler);
  app.addHook('preValidation', rejectIllFormedText);
  await app.register(errorsPlugin);
  // A JSON content type over no body at all (a DELETE from a client that always sends the
  // header) is simply no body; a route that needs one says so through its schema.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    else parseJson(request, text, done);
  });
  await app.register(securityHeadersPlugin, { headers: securityHeaders });
  await app.register(metricsPlugin, { redis: context.redis, metrics });
  app.addSchema(CommentSchema);
  app.addSchema(ErrorSchema);
  app.addSchema(UserSchema);
  await app.register(openapiPlugin);

  // Page views counted in memory are written before the process goes away.
  app.addHook('onClose', async () => {
    await context.pages.close();
  });
  // So are usage counts, and the requests rate-limit grants let through.
  app.addHook('onClose', async () => {
    await Promise.all([context.usage.close(), context.rateLimiter.close()]);
  });
  // The mail worker sends queued e-mails while the app is open; notifications in the works finish
  // first, and so do codes being sent after their answer (a password reset's).
  context.mailQueue.start();
  app.addHook('onClose', async () => {
    await Promise.all([context.notifications.settled(), context.accounts.settled()]);
    await context.mailQueue.stop();
  });
  // So does the webhook worker; deliveries it is sending when the app closes are sent again later.
  context.webhookWorker.start();
  app.addHook('onClose', async () => {
    await context.webhookWorker.stop();
  });
  // The site-purge worker runs while the app is open too; the next worker carries on what it leaves.
  context.purges.start();
  app.addHook('onClose', async () => {
    await context.purges.stop();
  });
  // Imports running here stop between two writes (running the same import again completes them).
  app.addHook('onClose', async () => {
    await context.imports.stop();
  });
  await app.register(homeRoutes, { context, widgetDir });
  await app.register(healthRoutes, { context });
  // Outside the /v1 context: scripts for any page, with no key, rate limit or usage count.
  await app.register(widgetRoutes, { context, widgetDir });
  // Outside the /v1 context: the link in e-mails carries a signed token, not a site key.
  await app.register(unsubscribeRoutes, { context });
  await app.register(
    async (v1) => {
      await v1.register(credentialsPlugin, { context });
      // After the credentials: they tell the site and who is asking.
      await v1.register(rateLimitPlugin, { context });
      await v1.register(usagePlugin, { context });
      await v1.register(commentRoutes, { context });
      await v1.register(feedRoutes, { context });
      await v1.register(pageRoutes, { context });
      await v1.register(authRoutes, { context });
      await v1.register(accountRoutes, { context });
      await v1.register(oauthRoutes, { context });
      await v1.register(userRoutes, { context });
      await v1.register(moderationRoutes, { context });
      await v1.register(siteRoleRoutes, { context });
      await v1.register(siteSettingsRoutes, { context });
      await v1.register(sitePurgeRoutes, { context });
      await v1.register(notificationRoutes, { context });
      await v1.register(usageRoutes, { context });
      await v1.register(webhookRoutes, { context });
      await v1.register(importRoutes, { context });
      await v1.register(exportRoutes, { context });
    },
    { prefix: '/v1' },
  );
  return app;
}

/** JSON logs (pino) with credentials redacted wherever they might appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.projectid',
        'req.headers.cookie',
        '*.password',
        '*.refresh_token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
