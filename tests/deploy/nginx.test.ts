import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  eventually,
  freePort,
  type RedisSentinelGroupHandle,
  sendCommand,
  startRedisSentinelGroup,
  TEST_ORIGIN,
  TestSocket,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFullConfig, nginxBinary, type RunningNginx, startNginx } from './nginx-process.js';
import { siteSettings } from './site-settings.js';
import { REPO_ROOT, startUnitInstance, type UnitProcess } from './unit-process.js';

/**
 * The production layout of docs/self-hosting.md on one machine, from the
 * repo's own files: Redis (a primary, a replica and three sentinels), two HTTP
 * API instances and two WebSocket gateways, each started as its systemd unit
 * (deploy/systemd) would start it, and the real nginx in front with
 * deploy/nginx's configuration. Every request and WebSocket goes through
 * nginx; the instances' own ports are used only for their /health, and for
 * the gateways' metrics, which tell which gateway holds a connection.
 */

const NGINX = nginxBinary();
if (!NGINX) throw new Error('nginx is not installed (apt-get install nginx; .ci/run installs it)');

interface Instance {
  process: UnitProcess;
  /** Its own `http://127.0.0.1:<port>`: the API, or the gateway's /health and /metrics. */
  url: string;
}

let redis: RedisSentinelGroupHandle;
let dataDir: string;
let apis: Instance[] = [];
let gateways: Instance[] = [];
let nginx: RunningNginx;
let publicKey: string;
/** Every instance process, from its start: stopped after the tests even when start-up failed. */
const started: UnitProcess[] = [];
const sockets: TestSocket[] = [];
const PAGE_URL = 'https://blog.example.com/behind-nginx';
let pageId: string;

async function startInstance(unit: string, site: Record<string, string>): Promise<Instance> {
  const port = String(await freePort());
  const running = startUnitInstance(unit, port, site);
  started.push(running);
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    `${unit} on port ${port} to be healthy`,
    async () => {
      if (!running.isRunning()) throw new Error(`${unit} exited:\n${running.output()}`);
      return fetch(`${url}/health`).then(
        (r) => r.status,
        () => 0,
      );
    },
    (status) => status === 200,
    // A loaded machine (the whole suite on two cores) can take tens of seconds to load a server.
    60_000,
  );
  return { process: running, url };
}

/** A request to the API through nginx, from the site's page, as the widget sends it. */
function throughNginx(pathAndQuery: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const { token, headers, ...rest } = init;
  return fetch(`${nginx.url}${pathAndQuery}`, {
    ...rest,
    headers: {
      projectid: publicKey,
      origin: TEST_ORIGIN,
      ...(rest.body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
}

/** A POST through nginx from the loopback address `from`, as a reader on another machine; its status. */
function requestFrom(
  from: string,
  pathname: string,
  body: object,
  headers: Record<string, string>,
): Promise<number> {
  const { hostname, port } = new URL(nginx.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: hostname,
        port,
        path: pathname,
        method: 'POST',
        localAddress: from,
        headers: {
          projectid: publicKey,
          origin: TEST_ORIGIN,
          'content-type': 'application/json',
          ...headers,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

async function guest(name: string): Promise<{ token: string; userId: string }> {
  const response = await throughNginx('/v1/auth/guest', { method: 'POST', body: JSON.stringify({ name }) });
  expect(response.status).toBe(201);
  const body = await response.json();
  return { token: body.token, userId: body.user.id };
}

async function post(token: string, content: string): Promise<void> {
  const response = await throughNginx('/v1/comments', {
    method: 'POST',
    token,
    body: JSON.stringify({ page_url: PAGE_URL, content }),
  });
  expect(response.status, await response.text()).toBe(201);
}

/** A WebSocket to `/ws` through nginx. */
async function connect(token?: string): Promise<TestSocket> {
  const socket = await TestSocket.open(nginx.url.replace('http:', 'ws:'), {
    projectId: publicKey,
    ...(token ? { token } : {}),
  });
  sockets.push(socket);
  await socket.next('connected');
  return socket;
}

/** Open connections on each gateway, from its own /metrics. */
async function connectionsPerGateway(): Promise<number[]> {
  return Promise.all(
    gateways.map(async ({ url, process }) => {
      if (!process.isRunning()) return 0;
      const text = await fetch(`${url}/metrics`).then((r) => r.text());
      return Number(/^threadkit_ws_connections (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    }),
  );
}

const newComments = (socket: TestSocket) =>
  socket.received.filter((m) => m.method === 'new_comment').map((m) => m.params.comment.t as string);

beforeAll(async () => {
  // Production-like failure detection, a little shorter: the test waits for the failover.
  redis = await startRedisSentinelGroup({ downAfterMs: 2000, failoverTimeoutMs: 10_000 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-deploy-'));
  // The first instance creates the site and prints its public key; the others find the site in Redis.
  const first = await startInstance('threadkit-api@.service', siteSettings(redis, dataDir));
  const printed = await eventually(
    'the public key in the output',
    async () => /public key: (tk_pub_\S+)/.exec(first.process.output()),
    (match) => match !== null,
  );
  publicKey = printed![1]!;
  expect(publicKey).toMatch(/^tk_pub_/);
  const [second, ...bothGateways] = await Promise.all([
    startInstance('threadkit-api@.service', siteSettings(redis, dataDir)),
    startInstance('threadkit-gateway@.service', siteSettings(redis, dataDir)),
    startInstance('threadkit-gateway@.service', siteSettings(redis, dataDir)),
  ]);
  apis = [first, second];
  gateways = bothGateways;
  const address = (i: Instance) => new URL(i.url).host;
  nginx = await startNginx(NGINX, {
    threadkit_api: apis.map(address),
    threadkit_gateways: gateways.map(address),
  });
  await eventually(
    'nginx to answer',
    () =>
      fetch(`${nginx.url}/health`).then(
        (r) => r.status,
        () => 0,
      ),
    (status) => status === 200,
  );
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await nginx?.stop();
  await Promise.all(started.map((instance) => instance.stop()));
  await redis?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('ThreadKit behind nginx, started from its systemd units', () => {
  it("accepts the repo's full threadkit.conf (TLS, redirect, includes)", async () => {
    expect(await checkFullConfig(NGINX)).toBe('ok');
  });

  it('routes the API and /ws, and enforces the body limit and hidden metrics at the proxy', async () => {
    const read = await throughNginx(`/v1/comments?page_url=${encodeURIComponent(PAGE_URL)}`);
    expect(read.status).toBe(200);
    const thread = await read.json();
    expect(thread.tree.comments).toEqual([]);
    pageId = thread.page_id;
    expect(pageId).toBeTruthy();
    // A plain request to /ws reaches a gateway, which asks for an upgrade.
    const plain = await throughNginx('/ws');
    expect(plain.status).toBe(426);
    expect((await plain.json()).code).toBe('upgrade_required');
    expect((await throughNginx('/metrics')).status).toBe(404);
    const { token } = await guest('Big');
    const tooBig = await throughNginx('/v1/comments', {
      method: 'POST',
      token,
      body: JSON.stringify({ page_url: PAGE_URL, content: 'x'.repeat(70 * 1024) }),
    });
    expect(tooBig.status).toBe(413);
  });

  it("takes each reader's address from nginx's X-Forwarded-For, as TRUST_PROXY says", async () => {
    // Readers on two loopback addresses: each has its own budget of guest sign-ins (10 a minute).
    const signIn = (from: string, headers: Record<string, string> = {}) =>
      requestFrom(from, '/v1/auth/guest', { name: 'Flo' }, headers);
    let status = 0;
    for (let attempt = 0; attempt < 15 && status !== 429; attempt++) status = await signIn('127.0.0.3');
    expect(status).toBe(429);
    // A forged header changes nothing: the API takes the address nginx added after it.
    expect(await signIn('127.0.0.3', { 'x-forwarded-for': '198.51.100.7' })).toBe(429);
    expect(await signIn('127.0.0.4')).toBe(201);
  });

  it("delivers a guest's post live, and presence, to readers on both gateways", async () => {
    const readers = [await connect(), await connect()];
    // Without sticky sessions nginx takes turns: one reader on each gateway.
    await eventually('a reader on each gateway', connectionsPerGateway, (c) => c.join() === '1,1');
    for (const reader of readers) expect((await reader.subscribe(pageId)).params.count).toBeGreaterThan(0);
    await readers[1]!.next('presence', (p) => p.count === 2);

    const ann = await guest('Ann');
    const annSocket = await connect(ann.token);
    expect((await annSocket.subscribe(pageId)).params.count).toBe(3);
    for (const reader of readers) {
      expect((await reader.next('user_joined')).params).toMatchObject({ user: { id: ann.userId }, count: 3 });
    }
    await post(ann.token, 'Hello through nginx');
    for (const reader of readers) {
      expect((await reader.next('new_comment')).params.comment.t).toBe('Hello through nginx');
    }
    annSocket.close();
    for (const reader of readers) {
      expect((await reader.next('user_left')).params).toMatchObject({ user_id: ann.userId, count: 2 });
    }
    // A fresh read through nginx shows the post too, and revalidates with its tag (nginx passes the 304).
    const threadUrl = `/v1/comments?page_url=${encodeURIComponent(PAGE_URL)}`;
    const read = await throughNginx(threadUrl);
    const thread = await read.json();
    expect(thread.tree.comments.map((c: { t: string }) => c.t)).toEqual(['Hello through nginx']);
    const etag = read.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await throughNginx(threadUrl, { headers: { 'if-none-match': etag! } })).status).toBe(304);
    for (const reader of readers) reader.close();
    await eventually('the readers gone', connectionsPerGateway, (c) => c.join() === '0,0');
  });

  it('resyncs a reader that reconnects through nginx, without gaps or repeats', async () => {
    const writer = await guest('Bea');
    const reader = await connect();
    await reader.subscribe(pageId);
    await post(writer.token, 'before the drop');
    const lastSeen = (await reader.next('new_comment')).params.event_id as string;
    reader.close();
    await reader.closed;

    await post(writer.token, 'missed one');
    await post(writer.token, 'missed two');
    const back = await connect();
    back.send('subscribe', { page_id: pageId, since: lastSeen });
    await back.next('presence');
    expect((await back.next('new_comment')).params.comment.t).toBe('missed one');
    expect((await back.next('new_comment')).params.comment.t).toBe('missed two');
    await post(writer.token, 'live again');
    expect((await back.next('new_comment')).params.comment.t).toBe('live again');
    expect(newComments(back)).toEqual(['missed one', 'missed two', 'live again']);
    back.close();
    await eventually('the reader gone', connectionsPerGateway, (c) => c.join() === '0,0');
  });

  it('moves a reader to the other gateway when its own is killed, with the events posted meanwhile', async () => {
    const writer = await guest('Cy');
    const reader = await connect();
    await reader.subscribe(pageId);
    const before = await eventually('the reader on a gateway', connectionsPerGateway, (c) => c.includes(1));
    const doomed = before.indexOf(1);
    await post(writer.token, 'on the first gateway');
    const lastSeen = (await reader.next('new_comment')).params.event_id as string;

    gateways[doomed]!.process.child.kill('SIGKILL');
    await gateways[doomed]!.process.exited;
    expect((await reader.closed).code).toBe(1006);
    await post(writer.token, 'while it was down');

    // nginx finds the dead gateway refusing connections and passes the handshake to the other one.
    const moved = await connect();
    const survivor = 1 - doomed;
    expect((await connectionsPerGateway())[survivor]).toBe(1);
    moved.send('subscribe', { page_id: pageId, since: lastSeen });
    const presence = await moved.next('presence');
    expect((await moved.next('new_comment')).params.comment.t).toBe('while it was down');
    await post(writer.token, 'on the second gateway');
    expect((await moved.next('new_comment')).params.comment.t).toBe('on the second gateway');
    expect(newComments(moved)).toEqual(['while it was down', 'on the second gateway']);
    // The killed gateway's entry for the reader expires (WS_PRESENCE_TTL): one reader left.
    if (presence.params.count !== 1) await moved.next('presence', (p) => p.count === 1, 15_000);
    // Every new connection keeps going to the survivor while the other is down.
    const another = await connect();
    expect((await connectionsPerGateway())[survivor]).toBe(2);
    another.close();
    moved.close();
  });

  it('keeps answering reads and posts when an API instance is killed', async () => {
    const writer = await guest('Di');
    apis[0]!.process.child.kill('SIGKILL');
    await apis[0]!.process.exited;
    // Several in a row, so that nginx's turn comes to the dead instance: it skips to the live one.
    for (let i = 0; i < 4; i++) {
      const read = await throughNginx(`/v1/comments?page_url=${encodeURIComponent(PAGE_URL)}`);
      expect(read.status).toBe(200);
      await post(writer.token, `after the crash ${i}`);
    }
  });

  it('carries on through nginx when Sentinel fails the Redis primary over to its replica', async () => {
    const writer = await guest('Eve');
    const reader = await connect();
    await reader.subscribe(pageId);
    // Every sentinel knows the replica and the other sentinels: a failover can be voted.
    for (const { host, port } of redis.sentinels) {
      await eventually(
        `sentinel ${host}:${port} to know the group`,
        () => sendCommand(host, port, ['INFO', 'sentinel']),
        (info) => /status=ok,address=[^,]+,slaves=1,sentinels=3/.test(info),
        15_000,
      );
    }
    const [primary, replica] = redis.nodes;
    await primary!.kill();
    // The instances answer 503 until Sentinel names the new primary, then write there.
    await eventually(
      'a post through nginx after the failover',
      () =>
        throughNginx('/v1/comments', {
          method: 'POST',
          token: writer.token,
          body: JSON.stringify({ page_url: PAGE_URL, content: 'after the failover' }),
        }).then((r) => r.status),
      (status) => status === 201,
      30_000,
    );
    expect((await reader.next('new_comment', () => true, 15_000)).params.comment.t).toBe(
      'after the failover',
    );
    // The replica is the primary now.
    expect(await sendCommand('127.0.0.1', replica!.port, ['INFO', 'replication'])).toMatch(/^role:master/m);
    reader.close();
  }, 60_000);

  it("reports each instance's health as the image's HEALTHCHECK sees it", async () => {
    const unused = String(await freePort());
    const check = (env: Record<string, string>) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'deploy/docker/healthcheck.mjs')], {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
    const port = (i: Instance) => new URL(i.url).port;
    for (const api of apis) {
      const result = check({ HTTP_PORT: port(api), WS_PORT: unused });
      expect(result.status, result.stdout).toBe(api.process.isRunning() ? 0 : 1);
    }
    for (const gateway of gateways) {
      const result = check({ HTTP_PORT: unused, WS_PORT: port(gateway) });
      expect(result.status, result.stdout).toBe(gateway.process.isRunning() ? 0 : 1);
    }
    expect(apis.some((i) => !i.process.isRunning()) && gateways.some((i) => !i.process.isRunning())).toBe(
      true,
    );
  });

  it("stops the remaining instances cleanly with the units' stop signal", async () => {
    const alive = [...apis, ...gateways].filter((i) => i.process.isRunning());
    expect(alive).toHaveLength(2);
    await Promise.all(alive.map((i) => i.process.stop()));
    for (const instance of alive) expect(instance.process.child.exitCode).toBe(0);
  });
});
