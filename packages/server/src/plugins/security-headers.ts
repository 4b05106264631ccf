import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's security headers on every response. Their values depend on the
 * options alone, so they are worked out once, at start, by running helmet's own
 * middleware against a recorder (`helmetHeaders`): per request this is a few `reply.header` calls,
 * where @fastify/helmet rebuilt helmet's middleware chain and re-parsed the CSP
 * for every request (a tenth of a cached read's CPU). Set through the reply, so
 * a route's own value for one of them (the demo page's CSP) wins, as before.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, { headers }: { headers: readonly (readonly [string, string])[] }) => {
    app.addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of headers) reply.header(name, value);
      done();
    });
  },
);

/** The headers helmet sets with these options, lower-cased, in its order. */
export function helmetHeaders(options: HelmetOptions): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
      return recorder;
    },
    // helmet takes X-Powered-By off, which Fastify never sets.
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  let failure: unknown;
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
    finished = true;
  });
  // Every helmet middleware is synchronous; one that was not could not be worked out ahead.
  if (!finished) throw new Error('helmet did not finish synchronously');
  if (failure) throw failure;
  return [...headers];
}
