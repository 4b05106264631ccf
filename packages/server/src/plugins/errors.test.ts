import { ERROR_CODES, ThreadKitError } from '@threadkit/core';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorsPlugin } from './errors.js';

describe('errorsPlugin', () => {
  const app = Fastify({ logger: false });

  beforeAll(async () => {
    await app.register(errorsPlugin);
    app.get('/bug', async () => {
      throw new TypeError('Cannot read properties of undefined');
    });
    app.get('/refused', async () => {
      throw new ThreadKitError('rate_limited', undefined, { retryAfter: 7 });
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers an unexpected failure 500 internal, as the registry says, without its details', async () => {
    const response = await app.inject({ method: 'GET', url: '/bug' });
    expect(response.statusCode).toBe(500);
    expect(ERROR_CODES.internal.status).toBe(500);
    expect(response.json()).toEqual({ error: ERROR_CODES.internal.message, code: 'internal' });
    expect(response.body).not.toContain('Cannot read');
  });

  it('answers a ThreadKitError with its registered status, code and Retry-After', async () => {
    const response = await app.inject({ method: 'GET', url: '/refused' });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toEqual({ error: ERROR_CODES.rate_limited.message, code: 'rate_limited' });
  });
});
