import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, served at `/metrics` on the WebSocket port. */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly connections = new Gauge({
    name: 'threadkit_ws_connections',
    help: 'Open WebSocket connections.',
    registers: [this.registry],
  });
  readonly connectionsTotal = new Counter({
    name: 'threadkit_ws_connections_total',
    help: 'WebSocket connections accepted since start.',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'threadkit_ws_rejected_total',
    help: 'WebSocket handshakes refused, by HTTP status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly closed = new Counter({
    name: 'threadkit_ws_closed_by_server_total',
    help: 'Connections the server ended, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly messagesIn = new Counter({
    name: 'threadkit_ws_messages_received_total',
    help: 'Messages received from clients.',
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'threadkit_ws_messages_sent_total',
    help: 'Messages sent to clients.',
    registers: [this.registry],
  });
  readonly errorsSent = new Counter({
    name: 'threadkit_ws_errors_sent_total',
    help: 'Protocol errors sent to clients, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly replaysOverBudget = new Counter({
    name: 'threadkit_ws_replays_over_budget_total',
    help: 'Catch-ups answered with reset while their client address had less than a full one (500 events) of its replay budget left.',
    registers: [this.registry],
  });
  readonly pageChannels = new Gauge({
    name: 'threadkit_ws_page_channels',
    help: 'Page channels this instance is subscribed to.',
    registers: [this.registry],
  });
  readonly userChannels = new Gauge({
    name: 'threadkit_ws_user_channels',
    help: 'Per-user notification channels this instance is subscribed to.',
    registers: [this.registry],
  });
  readonly redisMessages = new Counter({
    name: 'threadkit_ws_redis_messages_total',
    help: 'Messages received from Redis pub/sub.',
    registers: [this.registry],
  });
  readonly fanout = new Histogram({
    name: 'threadkit_ws_fanout_seconds',
    help: 'Time to hand one Redis message to every local subscriber.',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: 'threadkit_ws_redis_errors_total',
    help: 'Errors reported by the Redis connections.',
    registers: [this.registry],
  });

  /** `processMetrics`: false when the HTTP server in the same process already reports them. */
  constructor(processMetrics: boolean) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'threadkit_' });
  }
}
