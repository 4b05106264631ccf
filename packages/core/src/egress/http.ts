import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type EgressPolicy, mayConnect, PUBLIC_ONLY } from './addresses.js';

/** The part of `fetch` outgoing calls use; tests may pass their own. */
export type HttpClient = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** A target the policy does not let outgoing requests reach. */
export class EgressRefused extends Error {
  override readonly name = 'EgressRefused';
}

/** The largest answer read; a service that sends more is cut off (an error, so the call fails open). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A resolver for sockets that keeps only the addresses the policy allows, so the
 * check holds for the address actually connected to: a name that resolves to a
 * public address when a URL is saved and to a private one later (DNS rebinding)
 * is refused when it connects.
 */
export function guardedLookup(policy: EgressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      const reply = callback as (
        error: Error | null,
        address: string | LookupAddress[],
        family?: number,
      ) => void;
      if (error) return reply(error, '');
      const usable = found.filter((entry) => mayConnect(entry.address, policy));
      if (usable.length === 0)
        return reply(
          new EgressRefused(`${hostname} resolves to no public address (OUTBOUND_ALLOW_PRIVATE)`),
          '',
        );
      if (options.all) return reply(null, usable);
      return reply(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/**
 * An `HttpClient` whose connections go only where the policy allows: an IP
 * literal is checked before connecting, a name when it is resolved, at connect
 * time. Redirects are not followed (a 3xx is the answer), so a redirect cannot
 * lead anywhere either. Its own agents keep connections alive, so a pooled
 * connection is always one that was checked.
 */
export function egressHttp(policy: EgressPolicy = PUBLIC_ONLY): HttpClient {
  const lookup = guardedLookup(policy);
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  return (url, init) =>
    new Promise((resolve, rejectWith) => {
      // As fetch does, a call cut short by its signal fails with the signal's reason (a TimeoutError).
      const reject = (error: unknown) => rejectWith(init.signal.aborted ? init.signal.reason : error);
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        return reject(new EgressRefused(`${target.protocol} is not http or https`));
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0 && !mayConnect(host, policy))
        return reject(new EgressRefused(`${host} is not a public address (OUTBOUND_ALLOW_PRIVATE)`));
      const request = (target.protocol === 'https:' ? https : http).request(
        target,
        {
          method: init.method,
          headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
          signal: init.signal,
          agent: agents[target.protocol],
          lookup,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) response.destroy(new Error(`answer over ${MAX_ANSWER_BYTES} bytes`));
            else chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              headers: {
                get: (name) => {
                  const value = response.headers[name.toLowerCase()];
                  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
                },
              },
              text: async () => body,
            });
          });
        },
      );
      request.on('error', reject);
      request.end(init.body);
    });
}
