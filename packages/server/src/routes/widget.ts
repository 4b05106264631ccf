import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { ThreadKitError } from '@threadkit/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { matchesEtag } from '../etags.js';

/** packages/widget/dist, seen from packages/server/src/routes (tests) or packages/server/dist/routes (built). */
export const DEFAULT_WIDGET_DIR = fileURLToPath(new URL('../../../widget/dist/', import.meta.url));

/** The text in the built embed.js that stands for the gateway's public base URL. */
const WS_URL_PLACEHOLDER = '__THREADKIT_WS_URL__';

const NOT_BUILT = 'The widget is not built yet: run npm run build.';
/** A flat file name: no slash, so nothing outside dist/widget can be named. */
const CHUNK_NAME = /^[A-Za-z0-9._-]+\.(js|css|map)$/;
const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
};
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

interface ScriptFile {
  body: string;
  etag: string;
}

/** True when the file or directory exists. */
async function exists(path: string, kind: 'file' | 'directory'): Promise<boolean> {
  try {
    const stats = await stat(path);
    return kind === 'file' ? stats.isFile() : stats.isDirectory();
  } catch {
    return false;
  }
}

/** Whether the widget has been built into `widgetDir` (the demo page checks before embedding it). */
export function isWidgetBuilt(widgetDir: string): Promise<boolean> {
  return exists(join(widgetDir, 'embed.js'), 'file');
}

function notBuilt(reply: FastifyReply) {
  // A later build must show up at once: never cache the miss.
  return reply
    .status(404)
    .header('cache-control', 'no-store')
    .send(new ThreadKitError('not_found', NOT_BUILT).toJSON());
}

/**
 * The embed widget, served from this API so a site needs one script tag and nothing
 * else: `/embed.js` and `/count.js` (short cache: stable entry points) and the hashed
 * chunks it imports from `/widget/` (cached for a year; a new build has new names).
 * Both are loaded from other sites' pages, so they answer any origin.
 */
export const widgetRoutes: FastifyPluginAsync<{ context: AppContext; widgetDir: string }> = async (
  app,
  { context, widgetDir },
) => {
  // reply.sendFile for this plugin only: ETags, Last-Modified, 304s and ranges, streamed.
  await app.register(fastifyStatic, { serve: false });
  app.addHook('onRequest', async (_request, reply) => {
    // Chunks are module scripts, fetched in CORS mode from the embedding page's origin.
    reply.header('access-control-allow-origin', '*');
  });

  /** A script of the build, read once (with `prepare` applied); null while it is not built. */
  const loader = (name: string, prepare: (source: string) => string) => {
    let loaded: ScriptFile | null = null;
    return async (): Promise<ScriptFile | null> => {
      if (loaded) return loaded;
      let source: string;
      try {
        source = await readFile(join(widgetDir, name), 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Not built (yet): read again next time, so a build made while the server runs is picked up.
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw error;
      }
      const body = prepare(source);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      loaded = { body, etag };
      return loaded;
    };
  };
  const scripts: Record<string, () => Promise<ScriptFile | null>> = {
    // A function, so `$` sequences are never read as replacement patterns; config checked the URL.
    '/embed.js': loader('embed.js', (source) =>
      source.replaceAll(WS_URL_PLACEHOLDER, () => context.config.publicWsUrl),
    ),
    // A list page's comment counts: a script of its own, so the widget's first load does not carry it.
    '/count.js': loader('count.js', (source) => source),
  };

  // Entry points with stable names, so a short cache: a new build shows within minutes.
  for (const [path, load] of Object.entries(scripts)) {
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      const file = await load();
      if (!file) return notBuilt(reply);
      reply.header('cache-control', 'public, max-age=300').header('etag', file.etag);
      if (matchesEtag(request.headers['if-none-match'], file.etag)) return reply.status(304).send();
      return reply.type('text/javascript; charset=utf-8').send(file.body);
    });
  }

  app.get<{ Params: { file: string } }>(
    '/widget/:file',
    { schema: { hide: true } },
    async (request, reply) => {
      const name = request.params.file;
      const extension = CHUNK_NAME.exec(name)?.[1];
      const chunks = join(widgetDir, 'widget');
      // Dotfiles are never build output; the pattern already keeps out `/` and `\`.
      if (!extension || name.startsWith('.') || !(await exists(join(chunks, name), 'file'))) {
        if (!(await exists(chunks, 'directory'))) return notBuilt(reply);
        throw new ThreadKitError('not_found', 'No such widget file.');
      }
      reply.type(CONTENT_TYPES[extension]!);
      return reply.sendFile(name, chunks, {
        contentType: false,
        maxAge: ONE_YEAR_MS,
        immutable: true,
        dotfiles: 'deny',
      });
    },
  );
};
