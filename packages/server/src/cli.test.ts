import { readFileSync } from 'node:fs';
import { maskApiKey } from '@threadkit/core';
import {
  cliEnv,
  ensureBuilt,
  freePort,
  killCliChildren,
  launchCli as launch,
  type RedisServerHandle,
  type RedisSnapshot,
  restoreRedis,
  signalGroup,
  startRedis,
  startTestApi,
  TEST_ORIGIN,
  type TestApi,
  TestSocket,
} from '@threadkit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The `threadkit` command as users run it: the compiled CLI in a child process,
 * configured only through environment variables, against a throwaway Redis.
 */

const PAGE = 'https://blog.example.com/cli';

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => killCliChildren());

/** Runs a CLI command to completion. */
async function run(args: string[], env: Record<string, string>) {
  const running = launch(args, await cliEnv(env));
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 30_000);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, stdout: running.output() };
}

describe('threadkit help and usage', () => {
  it('--help and -h print the commands and exit 0; <command> --help prints that command; an unknown one exits 1', async () => {
    for (const flag of ['--help', '-h']) {
      const help = await run([flag], {});
      expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('Usage: threadkit <command>')]);
    }
    const site = await run(['site', '--help'], {});
    expect(site.code).toBe(0);
    expect(site.stdout).toContain(
      'threadkit site show\n  threadkit site rotate-keys\n  threadkit site set <name> <value>',
    );
    expect(site.stdout).not.toContain('admin');
    const promote = await run(['admin', 'promote', '--help'], {});
    expect(promote.stdout).toMatch(
      /^Usage:\n {2}threadkit admin promote <email\|user-id> \[admin\|moderator\]\n/,
    );
    expect(promote.stdout).not.toContain('demote');
    const usage = await run(['usage', '-h'], {});
    expect([usage.code, usage.stdout]).toEqual([
      0,
      expect.stringContaining('threadkit usage [--month YYYY-MM]'),
    ]);
    const unknown = await run(['bogus', '--help'], {});
    expect([unknown.code, unknown.stdout]).toEqual([
      1,
      expect.stringContaining('Usage: threadkit <command>'),
    ]);
  });

  it('help prints the commands and exits 0; no or an unknown command prints usage and exits 1', async () => {
    const help = await run(['help'], {});
    expect(help.code).toBe(0);
    for (const command of ['start', 'site show', 'site rotate-keys', 'site set']) {
      expect(help.stdout).toContain(command);
    }
    const none = await run([], {});
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('Usage: threadkit');
    const unknown = await run(['frobnicate'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('Usage: threadkit');
  });
});

describe('threadkit loadtest', () => {
  it('runs the load generator, with its own options and help, and lists it among the commands', async () => {
    const help = await run(['loadtest', '--help'], {});
    expect([help.code, help.stdout]).toEqual([
      0,
      expect.stringContaining('Usage: threadkit loadtest --url <api> --key <public key> --scenario <name>'),
    ]);
    expect(help.stdout).toContain(
      'Scenarios: read, write, vote, mixed, thread, auth, ws, ws-fanout, ws-churn',
    );
    const listed = await run(['help'], {});
    expect(listed.stdout).toContain('loadtest --url <api> --key <key> --scenario <name>');
    const missing = await run(['loadtest', '--key', 'tk_pub_x'], {});
    expect([missing.code, missing.stdout]).toEqual([2, expect.stringContaining('--url is required')]);
  });
});

describe('threadkit site … before any start', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('site show says there is no site yet and exits 1', async () => {
    const { code, stdout } = await run(['site', 'show'], { REDIS_URL: redis.url });
    expect(code).toBe(1);
    expect(stdout).toMatch(/No site yet/);
    expect(stdout).toContain('threadkit start');
  });

  it('site set and rotate-keys refuse too, changing nothing', async () => {
    for (const args of [
      ['site', 'set', 'moderation', 'pre'],
      ['site', 'rotate-keys'],
    ]) {
      const { code, stdout } = await run(args, { REDIS_URL: redis.url });
      expect(code, args.join(' ')).toBe(1);
      expect(stdout).toMatch(/No site yet/);
    }
    const { code } = await run(['site', 'show'], { REDIS_URL: redis.url });
    expect(code).toBe(1);
  });
});

describe('threadkit site … on an existing site', () => {
  let api: TestApi;
  let env: Record<string, string>;
  const site = (args: string[]) => run(['site', ...args], env);

  beforeAll(async () => {
    api = await startTestApi();
    env = { REDIS_URL: api.backend.server!.url };
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('admin promote makes the first admin by e-mail, and demote takes the role away', async () => {
    const email = 'first-admin@example.com';
    const registered = await api.call({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { name: 'First', email, password: 'correct horse battery staple' },
    });
    const { id, role } = registered.json().user;
    expect(role).toBe('user');
    const promoted = await run(['admin', 'promote', email], env);
    expect(promoted.code, promoted.stdout).toBe(0);
    expect(promoted.stdout).toContain('is now an admin');
    expect(
      (
        await api.context.moderation.members(await api.context.sites.get(api.site.id), ownerViewer(), 'admin')
      ).map((m) => m.id),
    ).toContain(id);
    const moderator = await run(['admin', 'promote', id, 'moderator'], env);
    expect(moderator.code, moderator.stdout).toBe(0);
    expect((await api.context.auth.authenticate(api.site.id, registered.json().token)).role).toBe(
      'moderator',
    );
    const demoted = await run(['admin', 'demote', email], env);
    expect(demoted.code, demoted.stdout).toBe(0);
    expect((await api.context.auth.authenticate(api.site.id, registered.json().token)).role).toBe('user');
    const missing = await run(['admin', 'promote', 'nobody@example.com'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('No account');
    expect((await run(['admin', 'promote'], env)).code).toBe(1);
  });

  it('site show prints the id, the public key and only a masked secret key', async () => {
    const { code, stdout } = await site(['show']);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain(api.site.id);
    expect(stdout).toContain(`public key: ${api.site.publicKey}`);
    expect(stdout).toContain(maskApiKey(api.site.secretKey));
    expect(stdout).not.toContain(api.site.secretKey);
    expect(stdout).toContain(TEST_ORIGIN);
  });

  it('site set moderation pre changes the stored setting, and new comments wait for approval', async () => {
    const { code, stdout } = await site(['set', 'moderation', 'pre']);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('moderation = "pre"');
    expect((await api.context.sites.get(api.site.id)).settings.moderation).toBe('pre');

    // A server that starts now (no cached site) applies it.
    const fresh = await api.secondInstance();
    const { token } = await api.guest('Moderated');
    const posted = await fresh.inject({
      method: 'POST',
      url: '/v1/comments',
      headers: { projectid: api.site.publicKey, origin: TEST_ORIGIN, authorization: `Bearer ${token}` },
      payload: { page_url: PAGE, content: 'Hold me' },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    expect(posted.json().comment.s).toBe('pending');

    const back = await site(['set', 'moderation', 'none']);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('moderation = "none"');
    expect((await api.context.sites.get(api.site.id)).settings.moderation).toBe('none');
  });

  it('site set parses lists and booleans', async () => {
    const origins = await site(['set', 'allowed_origins', `${TEST_ORIGIN}, *.example.org`]);
    expect(origins.code, origins.stdout).toBe(0);
    expect(origins.stdout).toContain(`allowed_origins = ${JSON.stringify([TEST_ORIGIN, '*.example.org'])}`);
    expect((await api.context.sites.get(api.site.id)).settings.allowed_origins).toEqual([
      TEST_ORIGIN,
      '*.example.org',
    ]);
    const guests = await site(['set', 'allow_guests', 'off']);
    expect(guests.code).toBe(0);
    expect(guests.stdout).toContain('allow_guests = false');
    expect((await api.context.sites.get(api.site.id)).settings.allow_guests).toBe(false);

    expect((await site(['set', 'allowed_origins', TEST_ORIGIN])).code).toBe(0);
    expect((await site(['set', 'allow_guests', 'on'])).code).toBe(0);
    expect((await api.context.sites.get(api.site.id)).settings).toMatchObject({
      allowed_origins: [TEST_ORIGIN],
      allow_guests: true,
    });
  });

  it("site set and site show never print the spam services' API keys", async () => {
    const key = 'akismetKey123456';
    const set = await site(['set', 'akismet_key', key]);
    expect(set.code, set.stdout).toBe(0);
    expect(set.stdout).toContain('akismet_key = "(set)"');
    expect((await api.context.sites.get(api.site.id)).settings.akismet_key).toBe(key);
    const show = await site(['show']);
    expect(show.stdout).toContain('"akismet_key":"(set)"');
    expect(`${set.stdout}${show.stdout}`).not.toContain(key);
    expect((await site(['set', 'akismet_key', ''])).stdout).toContain('akismet_key = ""');
  });

  it('site set with a bad value exits non-zero with a clear message and changes nothing', async () => {
    const before = (await api.context.sites.get(api.site.id)).settings;
    for (const [name, value, message] of [
      ['moderation', 'bogus', /moderation must be none, pre or post/],
      ['allow_localhost', 'maybe', /allow_localhost must be true or false/],
      ['max_comment_length', '0', /max_comment_length must be an integer/],
      ['allowed_origins', 'https://a.example.com/path', /not an origin/],
    ] as const) {
      const { code, stdout } = await site(['set', name, value]);
      expect(code, `${name} ${value}`).not.toBe(0);
      expect(stdout).toMatch(message);
      expect(stdout).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
    }
    expect((await api.context.sites.get(api.site.id)).settings).toEqual(before);
  });

  it('site set with an unknown setting or a missing value prints the usage and the settings', async () => {
    for (const args of [['set', 'nope', 'x'], ['set', 'moderation'], ['set']]) {
      const { code, stdout } = await site(args);
      expect(code, args.join(' ')).toBe(1);
      expect(stdout).toContain('Usage: threadkit site set <name> <value>');
      for (const setting of ['moderation', 'allow_guests', 'allowed_origins', 'allow_localhost']) {
        expect(stdout).toContain(setting);
      }
    }
    const unknown = await site(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('Usage: threadkit');
  });

  // Last in this group: the test API's own keys stop working.
  it('site rotate-keys prints new keys; the old ones stop working and the new ones work', async () => {
    const { code, stdout } = await site(['rotate-keys']);
    expect(code, stdout).toBe(0);
    const publicKey = /public key: (tk_pub_[0-9A-Za-z]+)/.exec(stdout)?.[1];
    const secretKey = /secret key: (tk_sec_[0-9A-Za-z]+)/.exec(stdout)?.[1];
    expect(publicKey).toBeDefined();
    expect(secretKey).toBeDefined();
    expect(publicKey).not.toBe(api.site.publicKey);
    expect(secretKey).not.toBe(api.site.secretKey);

    const app = await api.secondInstance(); // a server with nothing cached
    const list = (headers: Record<string, string>) =>
      app.inject({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(PAGE)}`, headers });
    const oldPublic = await list({ projectid: api.site.publicKey, origin: TEST_ORIGIN });
    expect(oldPublic.statusCode).toBe(401);
    expect(oldPublic.json().code).toBe('unauthorized');
    expect((await list({ projectid: api.site.secretKey })).statusCode).toBe(401);
    const newPublic = await list({ projectid: publicKey!, origin: TEST_ORIGIN });
    expect(newPublic.statusCode, newPublic.body).toBe(200);
    expect((await list({ projectid: secretKey! })).statusCode).toBe(200);

    const show = await site(['show']);
    expect(show.stdout).toContain(`public key: ${publicKey}`);
    expect(show.stdout).toContain(maskApiKey(secretKey!));
    expect(show.stdout).not.toContain(secretKey!);
  });
});

describe('threadkit start', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('creates the site, prints its keys, serves the API, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const env = await cliEnv({ REDIS_URL: redis.url, HTTP_PORT: String(port), LOG_LEVEL: 'info' });
    const server = launch(['start'], env);
    const url = (await server.waitFor(/running at (http:\/\/\S+)/))[1]!;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const banner = server.output();
    expect(banner).toMatch(/Created site/);
    const publicKey = /public key: (tk_pub_[0-9A-Za-z]+)/.exec(banner)?.[1];
    const secretKey = /secret key: (tk_sec_[0-9A-Za-z]+)/.exec(banner)?.[1];
    expect(publicKey).toBeDefined();
    expect(secretKey).toBeDefined();

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    // The printed keys work over real HTTP: the secret one server to server, the public one from localhost.
    const list = `${url}/v1/comments?page_url=${encodeURIComponent(PAGE)}`;
    const owner = await fetch(list, { headers: { projectid: secretKey! } });
    expect(owner.status).toBe(200);
    const browser = await fetch(list, {
      headers: { projectid: publicKey!, origin: 'http://localhost:5173' },
    });
    expect(browser.status).toBe(200);
    expect(browser.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const refused = await fetch(list, {
      headers: { projectid: secretKey!, origin: 'http://localhost:5173' },
    });
    expect(refused.status).toBe(403);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const output = server.output();
    expect(output).toContain('SIGTERM received');
    // Requests were logged (LOG_LEVEL=info), yet the secret key appears only in the one-time banner.
    expect(output).toMatch(/"url":"\/v1\/comments/);
    expect(output.split(secretKey!).length - 1).toBe(1);

    // A second start on the same Redis keeps the site and never prints the secret key again.
    const again = launch(['start'], { ...env, HTTP_PORT: String(await freePort()) });
    await again.waitFor(/running at http/);
    expect(again.output()).not.toMatch(/Created site/);
    expect(again.output()).toContain(`public key: ${publicKey}`);
    expect(again.output()).not.toContain(secretKey!);
    expect(again.output()).toContain(maskApiKey(secretKey!));
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('on Ctrl-C (SIGINT to the whole terminal group) stops the server first, then its own Redis, losing no count', async () => {
    const env = await cliEnv({});
    const server = launch(['start'], env, { ownGroup: true });
    const url = (await server.waitFor(/running at (http:\/\/\S+)/))[1]!;
    const publicKey = /public key: (tk_pub_[0-9A-Za-z]+)/.exec(server.output())?.[1];
    const list = `${url}/v1/comments?page_url=${encodeURIComponent(PAGE)}`;
    for (let i = 0; i < 7; i++) {
      const read = await fetch(list, { headers: { projectid: publicKey!, origin: 'http://localhost:5173' } });
      expect(read.status).toBe(200);
    }
    // At once: the reads are still counted in memory, to be written as the server stops.
    signalGroup(server, 'SIGINT');
    expect(await server.exited, server.output()).toBe(0);
    expect(server.output()).toContain('SIGINT received');
    const usage = launch(['usage'], env);
    expect(await usage.exited, usage.output()).toBe(0);
    expect(/^pageviews\s+(\d+)$/m.exec(usage.output())?.[1]).toBe('7');
  });

  it('runs the WebSocket gateway with the API, or alone with `start ws`; SIGTERM closes clients with 1001', async () => {
    const both = launch(['start'], await cliEnv({ REDIS_URL: redis.url }));
    const wsUrl = (await both.waitFor(/Live updates \(WebSocket\): (ws:\/\/\S+)\/ws/))[1]!;
    expect(both.output()).toMatch(/running at http/);
    const health = await fetch(`${wsUrl.replace('ws:', 'http:')}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    both.child.kill('SIGTERM');
    expect(await both.exited).toBe(0);

    const wsOnly = launch(
      ['start', 'ws'],
      await cliEnv({ REDIS_URL: redis.url, THREADKIT_ALLOWED_ORIGINS: TEST_ORIGIN }),
    );
    const url = (await wsOnly.waitFor(/Live updates \(WebSocket\): (ws:\/\/\S+)\/ws/))[1]!;
    expect(wsOnly.output()).not.toMatch(/running at http/);
    const publicKey = /public key: (tk_pub_[0-9A-Za-z]+)/.exec(wsOnly.output())![1]!;
    const client = await TestSocket.open(url, { projectId: publicKey });
    await client.next('connected');
    wsOnly.child.kill('SIGTERM');
    expect((await client.closed).code).toBe(1001);
    expect(await wsOnly.exited).toBe(0);

    const httpOnly = launch(['start', 'http'], await cliEnv({ REDIS_URL: redis.url }));
    await httpOnly.waitFor(/running at http/);
    expect(httpOnly.output()).not.toMatch(/Live updates/);
    httpOnly.child.kill('SIGTERM');
    expect(await httpOnly.exited).toBe(0);
  });

  it('exits 1 naming the variable when the configuration is bad', async () => {
    const { code, stdout } = await run(['start'], { REDIS_URL: redis.url, HTTP_PORT: 'abc' });
    expect(code).toBe(1);
    expect(stdout).toContain('HTTP_PORT');
    expect(stdout).toContain('"abc"');
    expect(stdout).not.toMatch(/running at/);

    const several = await run(['start'], { REDIS_URL: 'http://nope', LOG_LEVEL: 'loud', HTTP_PORT: '70000' });
    expect(several.code).toBe(1);
    for (const name of ['REDIS_URL', 'LOG_LEVEL', 'HTTP_PORT']) expect(several.stdout).toContain(name);
  });
});

function ownerViewer() {
  return { siteId: '', userId: null, role: 'owner' as const, sessionId: null };
}

describe('threadkit migrate', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('refuses to start on layout-1 data, moves it in place, and then starts', async () => {
    const snapshot = JSON.parse(
      readFileSync(new URL('../../../tests/fixtures/layout-1/snapshot.json', import.meta.url), 'utf8'),
    ) as RedisSnapshot;
    const client = new Redis(redis.url);
    try {
      await restoreRedis(client, snapshot);
    } finally {
      client.disconnect();
    }
    const env = { REDIS_URL: redis.url };
    const refused = await run(['site', 'show'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('run `threadkit migrate`');

    const migrated = await run(['migrate'], env);
    expect(migrated.code, migrated.stdout).toBe(0);
    expect(migrated.stdout).toMatch(/Migrating from layout 1 to layout 2/);
    expect(migrated.stdout).toMatch(/Done in [\d.]+ s: \d+ keys, \d+ comments, \d+ pages/);

    const shown = await run(['site', 'show'], env);
    expect(shown.code, shown.stdout).toBe(0);
    expect(await run(['migrate'], env)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Nothing to migrate'),
    });
  });
});
