/**
 * The yardsticks of the read rows in bench/http.ts: a server that answers the
 * thread read with the bytes ThreadKit sent for it (body and headers, gzip or
 * identity, 304 for a matching If-None-Match, the signed-in view when there is
 * an Authorization header), precomputed.
 *
 * - `node` (the default): bare node:http. Whatever ThreadKit spends per read
 *   beyond this is its own: framework, plugins, reader.
 * - `fastify`: the same answers from one Fastify route with no plugin, hook or
 *   schema: what the framework costs before ThreadKit adds anything.
 *
 * It runs in its own process so that its CPU is read from /proc like the server's.
 *
 * Usage: node --import tsx bench/reference-server.ts <spec.json> [node|fastify];
 * prints `listening <port>` once it accepts connections on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import Fastify from 'fastify';
import type { RecordedResponse, ReferenceSpec } from './reference-protocol.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ReferenceSpec;
const framework = process.argv[3] ?? 'node';
const load = (recorded: RecordedResponse): Answer => ({
  status: recorded.status,
  headers: recorded.headers,
  body: Buffer.from(recorded.body, 'base64'),
});
const anonymous = {
  identity: load(spec.anonymous.identity),
  gzip: load(spec.anonymous.gzip),
  notModified: load(spec.anonymous.notModified),
};
const signedIn = load(spec.signedIn);
const notFound: Answer = { status: 404, headers: {}, body: Buffer.alloc(0) };

function answer(headers: IncomingHttpHeaders): Answer {
  if (headers.authorization !== undefined) return signedIn;
  if (headers['if-none-match'] === spec.anonymous.etag) return anonymous.notModified;
  if (headers['accept-encoding']?.includes('gzip')) return anonymous.gzip;
  return anonymous.identity;
}

// Fastify's default, so that no server closes idle keep-alive connections sooner.
const KEEP_ALIVE_MS = 72_000;

let server: http.Server;
if (framework === 'fastify') {
  const app = Fastify({ logger: false, keepAliveTimeout: KEEP_ALIVE_MS });
  const route = spec.path.split('?')[0]!;
  app.get(route, (request, reply) => {
    const found = request.url === spec.path ? answer(request.headers) : notFound;
    return reply
      .code(found.status)
      .headers(found.headers)
      .send(found.status === 304 ? undefined : found.body);
  });
  await app.ready();
  server = app.server;
} else {
  server = http.createServer((request, response) => {
    const found = request.method === 'GET' && request.url === spec.path ? answer(request.headers) : notFound;
    response.writeHead(found.status, found.headers);
    response.end(found.body);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
}
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening ${address.port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
