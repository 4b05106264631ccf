import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid, notFound, requireRole, ThreadKitError, UrlMap } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { errorResponses, staff } from '../../schemas.js';
import { ImportJob, ImportList, ImportParams, ImportQuery } from './schemas.js';

const tags = ['imports'];

const tooLarge = (max: number) =>
  new ThreadKitError('too_large', `An import file may be at most ${max} bytes.`);

/**
 * Imports for the site's owner (`api.md`, Imports; `import.md`): the secret
 * key, or in SaaS mode the dashboard's owner token. The body is the file
 * itself, streamed to a temporary file; the import then runs in the
 * background of this instance, and any instance answers for it.
 */
export const importRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { imports } = context;
  const max = context.config.importMaxBytes;
  app.addHook('preHandler', async (request) => requireRole(request.viewer, 'owner'));
  // Whatever the file's type (XML, JSON lines, SQLite), its bytes go to disk as they come.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/imports',
    {
      bodyLimit: max,
      schema: {
        tags,
        summary: 'Import comments from a file of another system (owner); the body is the file',
        security: staff,
        querystring: ImportQuery,
        response: { 202: ImportJob, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request, reply) => {
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > max) throw tooLarge(max);
      const body = request.body as NodeJS.ReadableStream | undefined;
      if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function')
        throw invalid('body', 'The body must be the file to import.');
      const urlMap = new UrlMap();
      const rules = request.query.map === undefined ? [] : [request.query.map].flat();
      try {
        for (const rule of rules) urlMap.addRule(rule);
      } catch (error) {
        throw invalid('map', (error as Error).message);
      }
      const file = join(tmpdir(), `threadkit-import-${randomUUID()}`);
      let bytes = 0;
      // Past the limit the rest is read and dropped, so the client hears the answer rather than a reset.
      const limit = new Transform({
        transform(chunk: Buffer, _encoding, next) {
          bytes += chunk.length;
          next(null, bytes > max ? undefined : chunk);
        },
      });
      try {
        await pipeline(body, limit, createWriteStream(file));
      } catch {
        await rm(file, { force: true });
        throw invalid('body', 'The file did not arrive whole.');
      }
      if (bytes > max) {
        await rm(file, { force: true });
        throw tooLarge(max);
      }
      if (bytes === 0) {
        await rm(file, { force: true });
        throw invalid('body', 'The body must be the file to import.');
      }
      const job = await imports.start(request.site.id, {
        format: request.query.format,
        file,
        dryRun: request.query.dry_run === true,
        urlMap,
        ...(request.query.by_url ? { byUrl: true } : {}),
        ...(request.query.origin ? { origin: request.query.origin } : {}),
        // In SaaS mode the dashboard owns a site's settings: a restore leaves them to it.
        siteSettings: context.config.mode === 'saas' ? 'dashboard' : 'apply',
      });
      return reply.status(202).send(job);
    },
  );

  app.get(
    '/imports',
    {
      schema: {
        tags,
        summary: "The site's recent imports, newest first (owner)",
        security: staff,
        response: { 200: ImportList, ...errorResponses(401, 403, 503) },
      },
    },
    async (request) => ({ imports: await imports.list(request.site.id) }),
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        tags,
        summary: 'One import: its status, counts and what it skipped (owner)',
        security: staff,
        params: ImportParams,
        response: { 200: ImportJob, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const job = await imports.get(request.site.id, request.params.id);
      if (!job) throw notFound('No such import.');
      return job;
    },
  );
};
