import { connect, type Socket } from 'node:net';
import { resolvePage, serverMessage } from '@threadkit/core';
import {
  cliEnv,
  ensureBuilt,
  eventually,
  killCliChildren,
  launchCli,
  RefusedHandshake,
  startRedis,
  startTestApi,
  startTestGateway,
  TEST_ORIGIN,
  type TestApi,
  type TestGateway,
  TestSocket,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What one client may cost the gateway: connections per address and in all,
 * events replayed per address, and the process's open files. Each test starts
 * a gateway of its own with small limits.
 */

let api: TestApi;
let seq = 0;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  killCliChildren();
  await api?.stop();
});

function newPage(): string {
  return resolvePage(api.site.id, { page_url: `https://blog.example.com/limits-${++seq}` }).id;
}

/** Logs `count` public events on the page, as a write would; returns their ids. */
async function logEvents(pageId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(
      await api.context.realtime.logPageEvent(
        api.site.id,
        pageId,
        { audience: { public: true } },
        serverMessage('delete_comment', { page_id: pageId, comment_id: `c${i}` }),
      ),
    );
  }
  return ids;
}

/** The refusal of a handshake, failing the test if it was accepted. */
async function refusal(gateway: TestGateway, options: Parameters<TestGateway['connect']>[0] = {}) {
  const error = await gateway.connect(options).then(
    (socket) => {
      socket.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RefusedHandshake);
  const { status, body } = error as RefusedHandshake;
  return { status, body: JSON.parse(body) as { code: string; error: string } };
}

async function metrics(gateway: TestGateway): Promise<string> {
  return (await fetch(`${gateway.url.replace('ws://', 'http://')}/metrics`)).text();
}

/** Waits until the gateway takes a new connection (a closed one's place is freed when its socket closes). */
async function admitted(gateway: TestGateway, options: Parameters<TestGateway['connect']>[0] = {}) {
  return eventually(
    'a connection to be accepted',
    () => gateway.connect(options).catch(() => null),
    (socket) => socket !== null,
  ) as Promise<TestSocket>;
}

describe('replay budget', () => {
  it("answers catch-ups beyond the client address's replayed events with reset, across unsubscribes and reconnects", async () => {
    const gw = await startTestGateway(api, { ws: { replayEventsPerMinute: 10 } });
    try {
      const page = newPage();
      const [start, ...ids] = await logEvents(page, 7);
      const socket = await gw.connect();
      await socket.next('connected');

      // Six events fit in the budget of ten.
      socket.send('subscribe', { page_id: page, since: start });
      await socket.next('presence');
      for (const id of ids) expect((await socket.next('delete_comment')).params.event_id).toBe(id);

      // The same catch-up again does not: reset, as for a log that does not reach back.
      socket.send('unsubscribe', { page_id: page });
      socket.send('subscribe', { page_id: page, since: start });
      await socket.next('presence');
      expect((await socket.next('reset')).params).toEqual({ page_id: page });
      socket.send('resync', { page_id: page, since: start });
      expect((await socket.next('reset')).params).toEqual({ page_id: page });

      // A new connection from the same address shares the budget.
      const again = await gw.connect();
      await again.next('connected');
      again.send('subscribe', { page_id: page, since: start });
      await again.next('presence');
      expect((await again.next('reset')).params).toEqual({ page_id: page });
      expect(socket.take('delete_comment')).toEqual([]);
      expect(again.take('delete_comment')).toEqual([]);
      expect(await metrics(gw)).toMatch(/threadkit_ws_replays_over_budget_total 3/);

      // The subscriptions stay: live events keep coming.
      const [live] = await logEvents(page, 1);
      expect((await socket.next('delete_comment')).params.event_id).toBe(live);
      expect((await again.next('delete_comment')).params.event_id).toBe(live);
      socket.close();
      again.close();
    } finally {
      await gw.close();
    }
  });

  it('holds the budget against catch-ups of several connections at the same moment', async () => {
    const gw = await startTestGateway(api, { ws: { replayEventsPerMinute: 10 } });
    try {
      const page = newPage();
      const [start] = await logEvents(page, 7);
      const sockets = await Promise.all([gw.connect(), gw.connect(), gw.connect(), gw.connect()]);
      for (const socket of sockets) await socket.next('connected');
      // All at once: each is handled while the others wait on the log.
      for (const socket of sockets) socket.send('subscribe', { page_id: page, since: start });
      const answers = await Promise.all(
        sockets.map(async (socket) => {
          const answer = await eventually(
            'the catch-up',
            async () => socket.received.find((m) => m.method === 'reset' || m.method === 'delete_comment'),
            (m) => m !== undefined,
          );
          return answer!.method;
        }),
      );
      expect(answers.sort()).toEqual(['delete_comment', 'reset', 'reset', 'reset']);
      for (const socket of sockets) socket.close();
    } finally {
      await gw.close();
    }
  });

  it('gives each client address, behind a trusted proxy, a budget of its own', async () => {
    const gw = await startTestGateway(api, { ws: { replayEventsPerMinute: 10 }, trustProxy: ['loopback'] });
    try {
      const page = newPage();
      const [start] = await logEvents(page, 7);
      const catchUp = async (address: string) => {
        const socket = await gw.connect({ headers: { 'x-forwarded-for': address } });
        socket.send('subscribe', { page_id: page, since: start });
        const answer = await eventually(
          'the catch-up',
          async () => socket.received.find((m) => m.method === 'reset' || m.method === 'delete_comment'),
          (m) => m !== undefined,
        );
        socket.close();
        return answer!.method;
      };
      expect(await catchUp('203.0.113.1')).toBe('delete_comment');
      expect(await catchUp('203.0.113.1')).toBe('reset');
      expect(await catchUp('203.0.113.2')).toBe('delete_comment');
    } finally {
      await gw.close();
    }
  });
});

describe('connections per address', () => {
  it('refuses one over WS_MAX_CONNECTIONS_PER_ADDRESS with 429 before looking at the key, and takes it once one closes', async () => {
    const gw = await startTestGateway(api, { ws: { maxConnectionsPerAddress: 2 } });
    try {
      const [one, two] = [await gw.connect(), await gw.connect()];
      const over = await refusal(gw);
      expect(over).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
      expect(over.body.error).toMatch(/2/);
      // Refused before the key is looked up: an unknown key gets the same answer, not 401.
      expect((await refusal(gw, { projectId: 'tk_pub_unknown0000000000000000' })).status).toBe(429);
      expect(await metrics(gw)).toMatch(/threadkit_ws_rejected_total\{status="429"\} 2/);
      one.close();
      const three = await admitted(gw);
      expect((await refusal(gw)).status).toBe(429);
      two.close();
      three.close();
    } finally {
      await gw.close();
    }
  });

  it("takes the client's address from X-Forwarded-For only when the socket is a trusted proxy", async () => {
    const trusting = await startTestGateway(api, {
      ws: { maxConnectionsPerAddress: 1 },
      trustProxy: ['loopback'],
    });
    const direct = await startTestGateway(api, { ws: { maxConnectionsPerAddress: 1 } });
    try {
      const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
      await trusting.connect(from('203.0.113.1'));
      expect((await refusal(trusting, from('203.0.113.1'))).status).toBe(429);
      // The right-most untrusted address is the client: what it wrote on the left does not count.
      expect((await refusal(trusting, from('198.51.100.7, 203.0.113.1'))).status).toBe(429);
      await trusting.connect(from('203.0.113.2'));

      // Without TRUST_PROXY the header is ignored: every client here is 127.0.0.1.
      await direct.connect(from('203.0.113.1'));
      expect((await refusal(direct, from('203.0.113.2'))).status).toBe(429);
    } finally {
      await trusting.close();
      await direct.close();
    }
  });
});

describe('connections in all', () => {
  it('refuses one over WS_MAX_CONNECTIONS with 503 at the handshake, and still answers /health', async () => {
    const gw = await startTestGateway(api, { ws: { maxConnections: 2 } });
    try {
      const [one] = [await gw.connect(), await gw.connect()];
      expect(await refusal(gw)).toMatchObject({ status: 503, body: { code: 'unavailable' } });
      expect((await refusal(gw, { projectId: 'tk_pub_unknown0000000000000000' })).status).toBe(503);
      const health = await fetch(`${gw.url.replace('ws://', 'http://')}/health`);
      expect(health.status).toBe(200);
      one.close();
      (await admitted(gw)).close();
    } finally {
      await gw.close();
    }
  });

  it('closes sockets that never send a handshake once they pass the cap and a little headroom', async () => {
    const gw = await startTestGateway(api, { ws: { maxConnections: 2 } });
    const sockets: Socket[] = [];
    try {
      const { port } = new URL(gw.url);
      let closed = 0;
      for (let i = 0; i < 80; i++) {
        const socket = connect(Number(port), '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => closed++);
        await new Promise((resolve) => socket.once('connect', resolve));
        sockets.push(socket);
      }
      // Each one past the backstop is closed as it arrives; those before it stay.
      const last = sockets.at(-1)!;
      await eventually('the last socket to be closed', async () => last.destroyed, Boolean);
      expect(closed).toBeGreaterThan(0);
      expect(sockets.filter((s) => !s.destroyed).length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await gw.close();
    }
  });
});

// The limit is read from /proc: on other systems 1 024 is assumed, more than this test allows.
describe.runIf(process.platform === 'linux')('open files', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('keeps the HTTP API answering when one client opens more WebSockets than the process may open files', async () => {
    const redis = await startRedis();
    try {
      // `ulimit -n 256`: the gateway's default cap is derived from it and leaves room for the API.
      const server = launchCli(
        ['start'],
        await cliEnv({
          REDIS_URL: redis.url,
          THREADKIT_ALLOWED_ORIGINS: TEST_ORIGIN,
          WS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
        }),
        { openFiles: 256 },
      );
      const httpUrl = (await server.waitFor(/running at (http:\/\/\S+) /))[1]!;
      const wsUrl = (await server.waitFor(/Live updates \(WebSocket\): (ws:\/\/\S+)\/ws/))[1]!;
      const publicKey = /public key: (tk_pub_[0-9A-Za-z]+)/.exec(server.output())![1]!;

      const open: TestSocket[] = [];
      const outcomes = new Map<string, number>();
      const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      try {
        for (let i = 0; i < 300; i++) {
          const attempt = TestSocket.open(wsUrl, { projectId: publicKey });
          const outcome = await Promise.race([
            attempt.then(
              (socket) => {
                open.push(socket);
                return 'open';
              },
              (error: unknown) => (error instanceof RefusedHandshake ? String(error.status) : 'failed'),
            ),
            timeout(5000, 'no answer'),
          ]);
          count(outcome);
          if (outcome === 'no answer' || outcome === 'failed') break;
        }
        const health = await fetch(`${httpUrl}/health`, { signal: AbortSignal.timeout(5000) }).then(
          (r) => r.status,
          () => 'failed',
        );
        expect(health).toBe(200);
        // Every connection was either taken or refused with a status; none was left hanging.
        expect(outcomes.get('open')).toBeGreaterThan(50);
        expect(outcomes.get('open')).toBeLessThan(200);
        expect([...outcomes.keys()].sort()).toEqual(['503', 'open']);
      } finally {
        for (const socket of open) socket.ws.terminate();
        server.child.kill('SIGTERM');
        await server.exited;
      }
    } finally {
      await redis.stop();
    }
  }, 120_000);
});

function timeout<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}
