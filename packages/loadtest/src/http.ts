import { Pool } from 'undici';
import type { Outcome } from './schedule.js';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, from `/v1/…`. */
  path: string;
  body?: unknown;
  /** A commenter's access token. */
  token?: string;
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, as the API documents them
  body: any;
}

/**
 * The API as a page's widget calls it: the public key in `projectid`, the
 * site's origin in `Origin`, over a pool of kept-alive connections.
 */
export class ApiClient {
  private readonly pool: Pool;
  /** The base URL's path, for a deployment served under one. */
  private readonly prefix: string;

  constructor(
    readonly baseUrl: string,
    private readonly key: string,
    private readonly origin: string,
    connections: number,
  ) {
    const url = new URL(baseUrl);
    this.pool = new Pool(url.origin, {
      connections,
      pipelining: 1,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      keepAliveTimeout: 30_000,
    });
    this.prefix = url.pathname.replace(/\/$/, '');
  }

  private headers(request: ApiRequest): Record<string, string> {
    return {
      projectid: this.key,
      origin: this.origin,
      'accept-encoding': 'gzip',
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
    };
  }

  /** Sends a request under load: only the status matters, and the body is drained unread. */
  async send(request: ApiRequest, operation?: string): Promise<Outcome> {
    const response = await this.pool.request({
      method: request.method,
      path: this.prefix + request.path,
      headers: this.headers(request),
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    await response.body.dump({ limit: Number.POSITIVE_INFINITY });
    return { status: response.statusCode, ...(operation ? { operation } : {}) };
  }

  /** Sends a request and reads its JSON answer (setting up, and operations that need what they got). */
  async call(request: ApiRequest): Promise<ApiAnswer> {
    const response = await this.pool.request({
      method: request.method,
      path: this.prefix + request.path,
      headers: { ...this.headers(request), 'accept-encoding': 'identity' },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    const text = await response.body.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.statusCode, body };
  }

  /** `call`, failing with the server's message unless the status is the one expected. */
  async expect(status: number, request: ApiRequest): Promise<ApiAnswer['body']> {
    const answer = await this.call(request);
    if (answer.status !== status) {
      const message = typeof answer.body === 'object' && answer.body ? answer.body.error : answer.body;
      throw new Error(
        `${request.method} ${request.path}: ${answer.status} ${message}${rateLimitHint(answer)}`,
      );
    }
    return answer.body;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function rateLimitHint(answer: ApiAnswer): string {
  return answer.status === 429
    ? ' (the deployment under test needs its rate limits raised: see docs/benchmarks.md)'
    : '';
}
