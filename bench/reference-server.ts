/**
 * The yardstick of the read rows in bench/http.ts: a bare node:http server that
 * answers the thread read with the bytes ThreadKit sent for it (body and
 * headers, gzip or identity, 304 for a matching If-None-Match, the signed-in
 * view when there is an Authorization header), precomputed. Whatever ThreadKit
 * spends per read beyond this is its own: framework, plugins, reader. It runs in
 * its own process so that its CPU is read from /proc like the server's.
 *
 * Usage: node --import tsx bench/reference-server.ts <spec.json>; prints
 * `listening <port>` once it accepts connections on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { RecordedResponse, ReferenceSpec } from './reference-protocol.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ReferenceSpec;
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

const server = http.createServer((request, response) => {
  let answer: Answer;
  if (request.method !== 'GET' || request.url !== spec.path) {
    answer = { status: 404, headers: {}, body: Buffer.alloc(0) };
  } else if (request.headers.authorization !== undefined) {
    answer = signedIn;
  } else if (request.headers['if-none-match'] === spec.anonymous.etag) {
    answer = anonymous.notModified;
  } else if (request.headers['accept-encoding']?.includes('gzip')) {
    answer = anonymous.gzip;
  } else {
    answer = anonymous.identity;
  }
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
});
// Fastify's default, so that neither server closes idle keep-alive connections sooner.
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening ${address.port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
