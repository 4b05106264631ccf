import { createServer, type IncomingHttpHeaders } from 'node:http';
import { verifySignature } from '@threadkit/core';
import {
  cliEnv,
  ensureBuilt,
  eventually,
  killCliChildren,
  launchCli,
  listenLocal,
  startTestApi,
  type TestApi,
} from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * `threadkit webhook …` as owners run it: the compiled CLI in a child process,
 * on the Redis of a running API whose worker sends what the CLI queues.
 */

let api: TestApi;
const received: { headers: IncomingHttpHeaders; raw: string }[] = [];
let receiver: Awaited<ReturnType<typeof listenLocal>>;

beforeAll(async () => {
  ensureBuilt();
  api = await startTestApi({
    context: {
      webhooks: {
        pollMs: 20,
        retry: { firstRetryMs: 20, maxRetryMs: 100, giveUpAfterMs: 60_000, jitter: 0 },
      },
    },
  });
  receiver = await listenLocal(
    createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => {
        raw += chunk.toString('utf8');
      });
      request.on('end', () => {
        received.push({ headers: request.headers, raw });
        response.writeHead(200).end();
      });
    }),
  );
}, 120_000);
afterAll(async () => {
  killCliChildren();
  await receiver?.stop();
  await api?.stop();
});

async function run(...args: string[]) {
  const running = launchCli(args, await cliEnv({ REDIS_URL: api.backend.server!.url }));
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 30_000);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, stdout: running.output() };
}

it('adds, lists, pings, shows the log of and removes an endpoint', async () => {
  const url = `${receiver.url}/hooks`;
  const refused = await run('webhook', 'add', 'ftp://example.com/x');
  expect(refused.code).toBe(1);
  expect(refused.stdout).toMatch(/url must be an http or https URL/);

  const added = await run('webhook', 'add', url, '--events', 'comment.created,user.banned');
  expect(added.code, added.stdout).toBe(0);
  const [, id] = /^Added (\S+) for comment\.created, user\.banned$/m.exec(added.stdout) ?? [];
  const [, secret] = /secret: (whsec_\S+)/.exec(added.stdout) ?? [];
  expect(id).toEqual(expect.any(String));

  const listed = await run('webhook', 'list');
  expect(listed.stdout).toContain(`${id}  ${url}\n  events: comment.created, user.banned\n  enabled`);
  expect(listed.stdout).not.toContain(secret);

  expect((await run('site', 'set', 'webhooks_allow_private', 'true')).code).toBe(0);
  const tested = await run('webhook', 'test', id!);
  expect(tested.code, tested.stdout).toBe(0);
  const [, deliveryId] = /^Ping (\S+) queued/.exec(tested.stdout) ?? [];
  const [ping] = await eventually(
    'the ping',
    async () => received.filter((r) => r.headers['threadkit-delivery'] === deliveryId),
    (found) => found.length === 1,
  );
  const header = String(ping!.headers['threadkit-signature']);
  expect(verifySignature(secret!, header, ping!.raw, Math.floor(Date.now() / 1000))).toBe(true);

  const log = await eventually(
    'the sent ping in the log',
    () => run('webhook', 'log', id!),
    (result) => / sent +200 +ping /.test(result.stdout),
  );
  expect(log.stdout).toContain(deliveryId);

  expect((await run('webhook', 'remove', id!)).code).toBe(0);
  expect((await run('webhook', 'list')).stdout).toContain('No webhook endpoints.');
  const gone = await run('webhook', 'log', id!);
  expect(gone.code).toBe(1);
  expect(gone.stdout).toContain('No such webhook endpoint.');
});
