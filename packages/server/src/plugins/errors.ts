import { isConnectionError, ThreadKitError } from '@threadkit/core';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { documentErrors } from '../schemas.js';

/** Maps every failure to the error body of `api.md`; bad input is never a 500. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toThreadKitError(error);
    if (known) {
      if (known.retryAfter !== undefined) reply.header('retry-after', String(known.retryAfter));
      if (known.status >= 500) request.log.warn({ err: error }, known.message);
      return reply.status(known.status).send(known.toJSON());
    }
    request.log.error({ err: error }, 'unhandled error');
    const internal = new ThreadKitError('internal');
    return reply.status(internal.status).send(internal.toJSON());
  });

  // What any documented route may answer before or beside its handler: bad input (a malformed
  // URL, query or body), a body over the limit, storage out of reach.
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    const takesBody = methods.some((method) => method !== 'GET' && method !== 'HEAD');
    documentErrors(route, 400, ...(takesBody ? [413] : []), 503);
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        new ThreadKitError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`).toJSON(),
      ),
  );
});

function toThreadKitError(error: FastifyError): ThreadKitError | null {
  if (error instanceof ThreadKitError) return error;
  if (error.validation) {
    const first = error.validation[0];
    const path = first?.instancePath?.replace(/^\//, '').replace(/\//g, '.') ?? '';
    const missing =
      (first?.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
    // A property missing or unknown inside an object is named by its whole path (`rate_limits.everything`).
    const named = missing.missingProperty ?? missing.additionalProperty;
    const field = named ? (path ? `${path}.${named}` : named) : path;
    const where = field || error.validationContext || 'request';
    const message = missing.additionalProperty
      ? `Unknown field "${where}"`
      : `${where} ${first?.message ?? 'is invalid'}`;
    return new ThreadKitError('invalid_request', message, { field: where });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ThreadKitError('too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ThreadKitError(
        'invalid_request',
        'The body must be JSON (Content-Type: application/json).',
        { field: 'body' },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ThreadKitError('invalid_request', 'The JSON body is empty.', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ThreadKitError('invalid_request', 'The body is not valid JSON.', { field: 'body' });
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return new ThreadKitError('invalid_request', 'The request is malformed.', { field: 'body' });
  }
  if (error.statusCode === 413) return new ThreadKitError('too_large');
  if (error.statusCode === 415) {
    return new ThreadKitError('invalid_request', 'The body must be JSON (Content-Type: application/json).', {
      field: 'body',
    });
  }
  if (isConnectionError(error))
    return new ThreadKitError('unavailable', 'Storage is unreachable; try again shortly.');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new ThreadKitError('invalid_request', error.message);
  }
  return null;
}
