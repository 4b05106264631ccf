import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { type ExportLine, generateApiKey, newId, OwnerTokens, sitePlan } from '@threadkit/core';
import {
  CLI,
  cliEnv,
  ensureBuilt,
  expectError,
  listenLocal,
  startTestApi,
  TEST_ORIGIN,
  type TestApi,
} from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * The site export in SaaS mode: the site's name and settings come from the
 * dashboard (here a stand-in for its internal API, answering for one site),
 * the owner asks through the dashboard with an owner token, and
 * `threadkit export --site <id>` exports any site the dashboard knows.
 */

const SECRET = 'an-internal-secret-of-32-bytes!!';
const siteId = newId();
const publicKey = generateApiKey('public');
const site = {
  siteId,
  name: 'A SaaS blog',
  domain: 'blog.example.com',
  allowedOrigins: [TEST_ORIGIN],
  settings: { moderation: 'none' as const, akismet_key: 'akismet-secret-from-the-dashboard' },
  plan: sitePlan('pro'),
};
let api: TestApi;
let dashboard: Awaited<ReturnType<typeof listenLocal>>;
let comment = '';

beforeAll(async () => {
  ensureBuilt();
  dashboard = await listenLocal(
    createServer((request, response) => {
      const send = (status: number, body?: object) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(body && JSON.stringify(body));
      if (request.headers.authorization !== `Bearer ${SECRET}`) return send(401);
      if (request.url === `/keys/${publicKey}`) return send(200, { ...site, kind: 'public' });
      if (request.url === `/sites/${siteId}`) return send(200, site);
      if (request.method === 'POST') return send(204);
      send(404);
    }),
  );
  api = await startTestApi({
    env: { MODE: 'saas', INTERNAL_API_URL: dashboard.url, INTERNAL_API_SECRET: SECRET },
  });
  const call = (url: string, payload: object, token?: string) =>
    api.app.inject({
      method: 'POST',
      url,
      payload,
      headers: {
        projectid: publicKey,
        origin: TEST_ORIGIN,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  const guest = (await call('/v1/auth/guest', { name: 'Saas Reader' })).json();
  const posted = await call('/v1/comments', { page_url: `${TEST_ORIGIN}/saas`, content: 'Hi' }, guest.token);
  expect(posted.statusCode, posted.body).toBe(201);
  comment = posted.json().comment.i;
}, 120_000);
afterAll(async () => {
  await api?.stop();
  await dashboard?.stop();
});

const lines = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as ExportLine);

it("exports the site for the dashboard's owner token, with the dashboard's name and settings, no secret", async () => {
  const token = await new OwnerTokens(SECRET).sign({ ownerId: 'owner-1', siteId });
  const response = await api.app.inject({
    method: 'GET',
    url: '/v1/export',
    headers: { projectid: publicKey, authorization: `Bearer ${token}` },
  });
  expect(response.statusCode, response.body).toBe(200);
  const exported = lines(response.body);
  expect(exported[1]).toMatchObject({
    type: 'site',
    id: siteId,
    name: 'A SaaS blog',
    domain: 'blog.example.com',
    created_at: null,
  });
  expect(exported.filter((l) => l.type === 'comment').map((l) => l.id)).toEqual([comment]);
  expect(response.body).not.toContain('akismet-secret-from-the-dashboard');

  // Another site's owner token is no owner here; the public key alone is nobody.
  const other = await new OwnerTokens(SECRET).sign({ ownerId: 'owner-2', siteId: newId() });
  expectError(
    await api.app.inject({
      method: 'GET',
      url: '/v1/export',
      headers: { projectid: publicKey, authorization: `Bearer ${other}` },
    }),
    401,
    'unauthorized',
  );
});

it('threadkit export --site <id> exports a site the dashboard knows, in SaaS mode', async () => {
  const env = await cliEnv({
    REDIS_URL: api.backend.server!.url,
    MODE: 'saas',
    INTERNAL_API_URL: dashboard.url,
    INTERNAL_API_SECRET: SECRET,
  });
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, 'export', '--site', siteId], {
    env,
  });
  const exported = lines(stdout);
  expect(exported[1]).toMatchObject({ type: 'site', id: siteId, name: 'A SaaS blog' });
  expect(exported.at(-1)).toEqual({ type: 'end', users: 1, pages: 1, comments: 1 });
  expect(stderr).toContain(`Exported "A SaaS blog" (${siteId})`);
  // Without --site there is no one site to take.
  const unnamed = await promisify(execFile)(process.execPath, [CLI, 'export'], { env }).catch(
    (error: { code: number; stdout: string }) => error,
  );
  expect(unnamed).toMatchObject({ code: 1, stdout: expect.stringContaining('--site <id>') });
});
