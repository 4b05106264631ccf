import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { egressPolicy, PUBLIC_ONLY } from './addresses.js';
import { EgressRefused, egressHttp, guardedLookup, MAX_ANSWER_BYTES } from './http.js';

/** A server on this machine (the only kind a test can reach) that records what reaches it. */
async function local(host: string, answer: (path: string) => [number, Record<string, string>, string]) {
  const hits: string[] = [];
  const server: Server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    request.resume();
    const [status, headers, body] = answer(request.url ?? '/');
    response.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    hits,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A POST as the spam checks send it. */
const post = () => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: '{"input":"hello"}',
  signal: AbortSignal.timeout(5000),
});

describe('egressHttp', () => {
  let service: Awaited<ReturnType<typeof local>>;
  let internal: Awaited<ReturnType<typeof local>>;

  beforeAll(async () => {
    // 127.0.0.2 is this machine too: the stand-in for an internal address nobody allowed.
    internal = await local('127.0.0.2', () => [200, { 'content-type': 'text/plain' }, 'internal secrets']);
    service = await local('127.0.0.1', (path) =>
      path === '/redirect'
        ? [307, { location: `${internal.url}/latest/meta-data` }, '']
        : path === '/huge'
          ? [200, {}, 'x'.repeat(MAX_ANSWER_BYTES + 1)]
          : [200, { 'content-type': 'application/json', 'x-answer': 'yes' }, '{"ok":true}'],
    );
  });
  afterAll(async () => {
    await service?.stop();
    await internal?.stop();
  });

  it('refuses an address on this machine by default, before connecting', async () => {
    const client = egressHttp(PUBLIC_ONLY);
    for (const url of [
      `${service.url}/v1/moderations`,
      `http://[::1]:${service.port}/`,
      `http://0.0.0.0:${service.port}/`,
    ]) {
      await expect(client(url, post())).rejects.toBeInstanceOf(EgressRefused);
    }
    expect(service.hits).toEqual([]);
  });

  it('refuses a name that resolves to this machine, when it connects', async () => {
    const client = egressHttp(PUBLIC_ONLY);
    const url = `http://localhost:${service.port}/v1/moderations`;
    const error = await client(url, post()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EgressRefused);
    expect((error as Error).message).toMatch(/localhost resolves to no public address/);
    expect(service.hits).toEqual([]);
  });

  it('reaches what the operator allows, with the answer as fetch gives it', async () => {
    const client = egressHttp(egressPolicy(['127.0.0.1']));
    const answer = await client(`${service.url}/v1/moderations`, post());
    expect(answer.status).toBe(200);
    expect(answer.headers.get('X-Answer')).toBe('yes');
    expect(answer.headers.get('x-missing')).toBeNull();
    expect(await answer.text()).toBe('{"ok":true}');
    // By name too: localhost's 127.0.0.1 is allowed (its ::1 is not, and is not tried).
    const named = await client(`http://localhost:${service.port}/named`, post());
    expect(named.status).toBe(200);
    expect(service.hits).toEqual(['POST /v1/moderations', 'POST /named']);
  });

  it('follows no redirect: the 3xx is the answer, and where it points is not reached', async () => {
    const client = egressHttp(egressPolicy(['127.0.0.1']));
    const answer = await client(`${service.url}/redirect`, post());
    expect(answer.status).toBe(307);
    expect(internal.hits).toEqual([]);
    // Nor could a follower have gone there: 127.0.0.2 is not allowed.
    await expect(client(`${internal.url}/`, post())).rejects.toBeInstanceOf(EgressRefused);
    expect(internal.hits).toEqual([]);
  });

  it('cuts off an answer over the size limit', async () => {
    const client = egressHttp(egressPolicy(['127.0.0.1']));
    await expect(client(`${service.url}/huge`, post())).rejects.toThrow(/answer over/);
  });

  it('fails with the signal’s reason when cut short, as fetch does', async () => {
    const client = egressHttp(egressPolicy(['127.0.0.1']));
    const hanging = await local('127.0.0.1', () => [200, {}, '']);
    try {
      const error = await client(`${hanging.url}/`, {
        ...post(),
        signal: AbortSignal.abort(new Error('stop')),
      }).catch((e: unknown) => e);
      expect((error as Error).message).toBe('stop');
    } finally {
      await hanging.stop();
    }
  });
});

describe('guardedLookup', () => {
  const resolve = (policy: Parameters<typeof guardedLookup>[0], all: boolean) =>
    new Promise<{ error: Error | null; address: unknown; family?: number }>((done) =>
      guardedLookup(policy)('localhost', { all }, (error, address, family) =>
        done({ error, address, ...(family === undefined ? {} : { family }) }),
      ),
    );

  it('answers only the allowed addresses, in the shape asked for', async () => {
    const policy = egressPolicy(['127.0.0.1']);
    expect(await resolve(policy, true)).toEqual({
      error: null,
      address: [{ address: '127.0.0.1', family: 4 }],
    });
    expect(await resolve(policy, false)).toEqual({ error: null, address: '127.0.0.1', family: 4 });
  });

  it('fails when none is allowed', async () => {
    const { error } = await resolve(PUBLIC_ONLY, true);
    expect(error).toBeInstanceOf(EgressRefused);
  });
});
