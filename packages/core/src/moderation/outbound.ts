import {
  type EgressPolicy,
  EgressRefused,
  egressHttp,
  type HttpClient,
  PUBLIC_ONLY,
} from '../egress/index.js';

/**
 * Calls to outside spam and moderation services. They are optional helpers, so
 * they fail open: a network error, a timeout, a non-2xx status (a redirect too:
 * none is followed), a target the egress policy refuses, or an answer we cannot
 * read lets the comment through and writes one log line naming the site and the
 * step (never the request, which carries the site's API key).
 */

/** One line per call that failed open. */
export type OutageLog = (
  fields: { site: string; step: string; status?: number; err?: unknown; detail?: string },
  message: string,
) => void;

export interface OutboundOptions {
  /** Defaults to `egressHttp(egress)`: only the addresses the policy allows, no redirects. */
  fetch?: HttpClient;
  /** What the calls may reach besides public addresses (`OUTBOUND_ALLOW_PRIVATE`); default: nothing. */
  egress?: EgressPolicy;
  /** Per call, covering the connection, the request and the answer. Default 3000. */
  timeoutMs?: number;
  log: OutageLog;
}

export const DEFAULT_TIMEOUT_MS = 3000;

/** An answer the step could not use; its message goes to the log. */
export class Unusable extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * POSTs and hands the answer to `read`; returns null (after logging) when the
 * service is down, slow, answers non-2xx, or `read` throws.
 */
export async function callOut<T>(
  options: OutboundOptions,
  where: { site: string; step: string },
  request: { url: string; headers: Record<string, string>; body: string },
  read: (answer: { status: number; headers: { get(name: string): string | null }; body: string }) => T,
): Promise<T | null> {
  const client = options.fetch ?? clientFor(options.egress ?? PUBLIC_ONLY);
  try {
    const response = await client(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    const body = await response.text();
    if (response.status < 200 || response.status > 299) {
      throw new Unusable(`answered ${response.status}`, response.status);
    }
    return read({ status: response.status, headers: response.headers, body });
  } catch (error) {
    const fields: Parameters<OutageLog>[0] = { ...where };
    if (error instanceof Unusable) {
      if (error.status !== undefined) fields.status = error.status;
      fields.detail = error.message;
    } else if (error instanceof EgressRefused) fields.detail = `refused: ${error.message}`;
    else fields.err = error;
    options.log(fields, `${where.step} unavailable; the comment goes through without it`);
    return null;
  }
}

/** One client (and its pooled connections) per policy. */
const clients = new WeakMap<EgressPolicy, HttpClient>();
function clientFor(policy: EgressPolicy): HttpClient {
  let client = clients.get(policy);
  if (!client) {
    client = egressHttp(policy);
    clients.set(policy, client);
  }
  return client;
}
