import type { OutgoingHttpHeaders } from 'node:http';
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
  let length = 0;
  for (const piece of pieces) length += piece.length;
  reply.header('content-length', length);
  reply.hijack();
  const response = reply.raw;
  response.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  response.cork();
  for (let i = 0; i < pieces.length - 1; i++) response.write(pieces[i]);
  response.end(pieces[pieces.length - 1]);
  return reply;
}
