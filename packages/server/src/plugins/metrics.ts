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

  /**
   * The series of each method and route, found once: prom-client hashes a
   * label set on every call, which the hottest route would pay on every read.
   */
  private readonly routes = new Map<string, RouteSeries>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'threadkit_' });
  }

  /** An answered request: `route` is the route's pattern, not the URL, which keeps label cardinality bounded. */
  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let series = this.routes.get(key);
    if (!series) {
      series = this.seriesOf(method, route);
      this.routes.set(key, series);
    }
    series.record(status, seconds);
  }

  /** A read answered by `CachedReads` (recorded as a request too). */
  recordCachedRead(): void {
    this.cachedReads.inc();
  }

  /** What `record` does for one method and route, for a caller that always answers the same route. */
  seriesOf(method: string, route: string): RouteSeries {
    const latency = this.latency.labels({ method, route });
    const byStatus = new Map<number, { inc(): void }>();
    return {
      record: (status, seconds) => {
        let requests = byStatus.get(status);
        if (!requests) {
          requests = this.requests.labels({ method, route, status });
          byStatus.set(status, requests);
        }
        requests.inc();
        latency.observe(seconds);
      },
    };
  }
}

/** The request count (by status) and latency series of one method and route. */
export interface RouteSeries {
  record(status: number, seconds: number): void;
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
