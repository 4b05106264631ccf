import type { RedisClient } from '@threadkit/core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of the HTTP API: requests and latency by route, Redis errors, and the process defaults. */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'threadkit_http_requests_total',
    help: 'HTTP requests by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'threadkit_http_request_duration_seconds',
    help: 'HTTP request latency by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly cachedReads = new Counter({
    name: 'threadkit_http_cached_reads_total',
    help: 'Thread reads answered before routing, from the shared thread (also counted in threadkit_http_requests_total).',
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: 'threadkit_redis_errors_total',
    help: 'Errors reported by the Redis connection.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'threadkit_' });
  }

  /** An answered request: `route` is the route's pattern, not the URL, which keeps label cardinality bounded. */
  record(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status });
    this.latency.observe({ method, route }, seconds);
  }

  /** A read answered by `CachedReads` (recorded as a request too). */
  recordCachedRead(): void {
    this.cachedReads.inc();
  }
}

/** Serves `/metrics` and records every request Fastify answers. */
export const metricsPlugin = fp(
  async (app: FastifyInstance, { redis, metrics }: { redis: RedisClient; metrics: HttpMetrics }) => {
    const onRedisError = () => metrics.redisErrors.inc();
    redis.on('error', onRedisError);
    app.addHook('onClose', async () => {
      redis.off('error', onRedisError);
    });

    app.addHook('onResponse', (request, reply, done) => {
      metrics.record(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
);
