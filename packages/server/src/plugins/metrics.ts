import type { RedisClient } from '@threadkit/core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics: requests and latency by route, Redis errors, and the process defaults. */
export const metricsPlugin = fp(async (app: FastifyInstance, { redis }: { redis: RedisClient }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'threadkit_' });

  const requests = new Counter({
    name: 'threadkit_http_requests_total',
    help: 'HTTP requests by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'threadkit_http_request_duration_seconds',
    help: 'HTTP request latency by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: 'threadkit_redis_errors_total',
    help: 'Errors reported by the Redis connection.',
    registers: [registry],
  });

  const onRedisError = () => redisErrors.inc();
  redis.on('error', onRedisError);
  app.addHook('onClose', async () => {
    redis.off('error', onRedisError);
  });

  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: reply.statusCode });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
});
