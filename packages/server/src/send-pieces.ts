import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * Sends a body made of several buffers without joining them: the socket writes
 * them together (one writev), so a large shared part is not copied for each
 * reader. Fastify only sends single buffers or streams, so the reply is taken
 * over (`hijack`) after its headers are set; `onResponse` hooks still run, as
 * they follow the raw response's end.
 */
export function sendPieces(reply: FastifyReply, pieces: readonly Buffer[]): FastifyReply {
  if (pieces.length === 1) return reply.send(pieces[0]);
  reply.hijack();
  writePieces(reply.raw, reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders, pieces);
  return reply;
}

/**
 * Writes a whole response, its body in pieces (none for a 304), with its
 * Content-Length. The headers are an object, or a flat list of names and
 * values (what a hot path builds without making an object per response).
 */
export function writePieces(
  response: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders | string[],
  pieces: readonly Buffer[],
): void {
  if (pieces.length > 0) {
    let length = 0;
    for (const piece of pieces) length += piece.length;
    if (Array.isArray(headers)) headers.push('content-length', String(length));
    else headers['content-length'] = length;
  }
  response.writeHead(status, headers);
  if (pieces.length > 1) {
    response.cork();
    for (let i = 0; i < pieces.length - 1; i++) response.write(pieces[i]);
  }
  response.end(pieces.at(-1));
}
