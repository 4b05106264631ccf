import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  eventually,
  startTestApi,
  startTestGateway,
  TEST_ORIGIN,
  type TestApi,
  type TestGateway,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { parseOptions } from './options.js';
import type { LoadResult } from './result.js';
import { runLoadTest } from './run.js';

/**
 * Every scenario for a second or two at a low rate against a real API and
 * gateway on loopback sockets, each on a page of its own: the result must say
 * what happened, and the server must have what the scenario did.
 */

let api: TestApi;
let apiUrl: string;
let gateway: TestGateway;

beforeAll(async () => {
  api = await startTestApi();
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  gateway = await startTestGateway(api);
});

afterAll(async () => {
  await gateway?.close();
  await api?.app.close();
  await api?.stop();
});

async function run(scenario: string, page: string, ...args: string[]): Promise<LoadResult> {
  const options = parseOptions([
    '--url',
    apiUrl,
    '--ws-url',
    gateway.url,
    '--key',
    api.site.publicKey,
    '--origin',
    TEST_ORIGIN,
    '--scenario',
    scenario,
    '--page',
    page,
    '--quiet',
    ...args,
  ]);
  if (options === 'help') throw new Error('unexpected help');
  return runLoadTest(options);
}

/** What every run must say: all it scheduled was sent and answered, successfully, with ordered percentiles. */
function expectClean(result: LoadResult, scheduled: number, statusClass = '2xx') {
  expect(result.scheduled).toBe(scheduled);
  expect([result.sent, result.completed, result.unsent, result.unfinished]).toEqual([
    scheduled,
    scheduled,
    0,
    0,
  ]);
  expect(result.status.classes).toEqual({ [statusClass]: scheduled });
  expect(result.errors).toEqual({});
  const { p50, p90, p99, p99_9, max, count } = result.latency_ms;
  expect(count).toBe(scheduled);
  expect(p50).toBeGreaterThan(0);
  // Every operation's send lateness is counted, and the flag follows its p99.
  expect(result.send_lateness_ms.count).toBe(scheduled);
  expect(result.generator_behind).toBe(result.send_lateness_ms.p99 > 1);
  expect([p50, p90, p99, p99_9]).toEqual([p50, p90, p99, p99_9].sort((a, b) => a - b));
  expect(p99_9).toBeLessThanOrEqual(max * 1.001);
  expect(result.achieved_rate).toBeGreaterThan(0);
}

const thread = async (page: string, token?: string) =>
  (
    await api.call({
      method: 'GET',
      url: `/v1/comments?page_key=${page}&limit=200&replies=0`,
      ...(token ? { token } : {}),
    })
  ).json() as { total: number; tree: { comments: { i: string; u: number; d: number }[] } };

describe('HTTP scenarios', () => {
  it('read: rate × duration thread loads, all answered 200', async () => {
    const result = await run('read', 'reads', '--rate', '20', '--duration', '1.5', '--seed', '3');
    expectClean(result, 30);
    expect(result.status.codes).toEqual({ '200': 30 });
    expect(result.operations['read-anonymous']?.count).toBe(30);
    expect(result.offered_rate).toBe(20);
    expect((await thread('reads')).total).toBe(3);
  });

  it('read, partly signed in: the share asked for reads with a token', async () => {
    const result = await run(
      'read',
      'reads',
      '--rate',
      '20',
      '--duration',
      '1',
      '--signed-in',
      '0.5',
      '--users',
      '2',
    );
    expectClean(result, 20);
    expect(result.operations['read-signed-in']?.count).toBe(10);
    expect(result.operations['read-anonymous']?.count).toBe(10);
  });

  it('write: every post answered 201 is a comment on the page', async () => {
    const result = await run(
      'write',
      'writes',
      '--rate',
      '20',
      '--duration',
      '1.5',
      '--seed',
      '2',
      '--users',
      '3',
    );
    expectClean(result, 30);
    expect(result.status.codes).toEqual({ '201': 30 });
    expect(result.figures).toEqual({ comments_created: 30 });
    expect((await thread('writes')).total).toBe(2 + 30);
  });

  it('vote: every vote is recorded on the comments voted on', async () => {
    const result = await run(
      'vote',
      'votes',
      '--rate',
      '20',
      '--duration',
      '1.5',
      '--seed',
      '3',
      '--users',
      '4',
    );
    expectClean(result, 30);
    // 30 votes over 4 voters × 3 comments: each of the 12 pairs votes, and a second vote switches it.
    const comments = (await thread('votes')).tree.comments;
    expect(comments.reduce((sum, c) => sum + c.u + c.d, 0)).toBe(12);
  });

  it('mixed: reads, votes and posts in the ratio asked for', async () => {
    const result = await run(
      'mixed',
      'mixed',
      '--rate',
      '50',
      '--duration',
      '2',
      '--mix',
      '90,7,3',
      '--seed',
      '2',
    );
    expectClean(result, 100);
    const counts = Object.fromEntries(
      Object.entries(result.operations).map(([name, op]) => [name, op.count]),
    );
    expect(counts).toEqual({ post: 3, read: 90, vote: 7 });
    expect((await thread('mixed')).total).toBe(2 + 3);
  });

  it('thread: builds a wide and deep thread, then reads its pages and reply pages', async () => {
    const result = await run('thread', 'deep', '--rate', '20', '--duration', '1', '--seed', '2');
    expectClean(result, 20);
    expect(result.operations['thread-page']?.count).toBe(10);
    expect(result.operations['replies-page']?.count).toBe(10);
    // Two roots, each with eight replies and a chain of seven under the first.
    expect((await thread('deep-thread')).total).toBe(2 * 16);
  });

  it('auth: guest sign-ins and refreshes of their sessions', async () => {
    const result = await run('auth', 'auth', '--rate', '20', '--duration', '1');
    expectClean(result, 20);
    const guest = result.operations.guest?.count ?? 0;
    const refresh = result.operations.refresh?.count ?? 0;
    expect(guest + refresh).toBe(20);
    expect(refresh).toBeGreaterThan(0);
    expect(result.status.codes['201']).toBe(guest);
    expect(result.status.codes['200']).toBe(refresh);
  });
});

describe('WebSocket scenarios', () => {
  it('ws: opens the connections asked for and holds them all to the end', async () => {
    const result = await run('ws', 'idle', '--rate', '40', '--duration', '1', '--connections', '20');
    expectClean(result, 20, '1xx');
    expect(result.figures).toMatchObject({
      connections_asked: 20,
      connections_opened: 20,
      still_open_at_end: 20,
      closed_by_server: {},
    });
  });

  it('ws-fanout: every reader receives every post', async () => {
    const result = await run(
      'ws-fanout',
      'fanout',
      '--rate',
      '10',
      '--duration',
      '1.5',
      '--connections',
      '8',
    );
    expectClean(result, 15);
    expect(result.figures).toMatchObject({
      readers: 8,
      posts: 15,
      deliveries: 8 * 15,
      deliveries_missing: 0,
    });
    const delivery = result.figures?.delivery_ms as LoadResult['latency_ms'];
    expect(delivery.count).toBe(8 * 15);
    expect(delivery.p50).toBeGreaterThan(0);
    expect(delivery.p99).toBeLessThanOrEqual(delivery.max * 1.001);
  });

  it('ws-churn: connects, subscribes and leaves at the rate, leaving no connection behind', async () => {
    const result = await run('ws-churn', 'churn', '--rate', '20', '--duration', '1', '--connections', '5');
    expectClean(result, 20, '1xx');
    expect((result.figures!.connect_to_presence_ms as LoadResult['latency_ms']).count).toBe(20);
    await eventually(
      'the churned connections to be gone',
      async () => gateway.gateway.connectionCount,
      (count) => count === 0,
    );
  });
});

describe('the command', () => {
  it('writes the JSON result and the markdown summary where it is told', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-loadtest-'));
    try {
      const json = path.join(dir, 'result.json');
      const markdown = path.join(dir, 'summary.md');
      const code = await main([
        ...['--url', apiUrl, '--key', api.site.publicKey, '--origin', TEST_ORIGIN],
        ...['--scenario', 'read', '--page', 'command', '--requests', '10', '--rate', '20', '--quiet'],
        ...['--json', json, '--markdown', markdown],
      ]);
      expect(code).toBe(0);
      const result = JSON.parse(await readFile(json, 'utf8')) as LoadResult;
      expectClean(result, 10);
      expect(result.options.key).toBe(`${api.site.publicKey.slice(0, 10)}…`);
      const summary = await readFile(markdown, 'utf8');
      expect(summary).toContain('### Load test: `read`');
      expect(summary).toContain(
        `| Send lateness (load generator) | p50 ${result.send_lateness_ms.p50.toFixed(2)} ms`,
      );
      expect(summary).toContain(`| all | 10 | ${result.latency_ms.p50.toFixed(2)} |`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
