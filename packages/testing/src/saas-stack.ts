import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { loadConfig } from '@threadkit/core';
import { connectRedis, type RunningServer, startServer } from '@threadkit/server';
import type { Browser, Page } from 'playwright-core';
import { onTestFailed, test } from 'vitest';
import { GENEROUS_RATE_LIMITS } from './api.js';
import { launchChromium } from './browser.js';
import { type DashboardHandle, startDashboard } from './dashboard.js';
import { listenLocal } from './listen.js';
import { freePort } from './process.js';
import { type RedisServerHandle, startRedis } from './redis.js';
import { type SmtpTestServer, startSmtpServer } from './smtp.js';

/** ThreadKit as a SaaS for an end-to-end test: the dashboard, a MODE=saas server, a customer's site, Chromium. */
export interface SaasStack {
  smtp: SmtpTestServer;
  redis: RedisServerHandle;
  dashboard: DashboardHandle;
  server: RunningServer;
  connection: Awaited<ReturnType<typeof connectRedis>>;
  browser: Browser;
  /** The customer's site: every path is an article embedding the widget with `publicKey`, its page key the path. */
  site: { url: string; stop(): Promise<void> };
  /** The key the customer's pages embed, once the dashboard has made one. */
  publicKey: string;
  /**
   * On `page`, as a new owner would: signs up, follows the e-mailed link, adds a
   * site allowed on the customer's site, and embeds its public key there. Returns the site's id.
   */
  ownerWithSite(
    page: Page,
    owner: { name: string; email: string; password: string; site: string },
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts it all, the comment server learning its sites from the dashboard's
 * internal API under a shared secret. `dashboardEnv` adds the dashboard's
 * variables (Stripe, say), `serverEnv` the comment server's; `dashboardPort` is for doubles that must know its URL first.
 */
export async function startSaasStack(
  options: {
    dashboardEnv?: Record<string, string>;
    dashboardPort?: number;
    /** More variables of the comment server (OUTBOUND_ALLOW_PRIVATE, say). */
    serverEnv?: Record<string, string>;
  } = {},
): Promise<SaasStack> {
  const secret = randomBytes(32).toString('base64url');
  const apiPort = await freePort();
  let wsPort = await freePort();
  while (wsPort === apiPort) wsPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const [smtp, redis, browser] = await Promise.all([startSmtpServer(), startRedis(), launchChromium()]);
  const dashboard = await startDashboard({
    smtpUrl: smtp.url,
    internalSecret: secret,
    apiUrl,
    ...(options.dashboardPort ? { port: options.dashboardPort } : {}),
    // The usage sync reads the comment servers' Redis.
    env: { REDIS_URL: redis.url, ...options.dashboardEnv },
  });
  const config = loadConfig({
    MODE: 'saas',
    INTERNAL_API_URL: `${dashboard.url}/api/internal`,
    INTERNAL_API_SECRET: secret,
    REDIS_URL: redis.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(apiPort),
    WS_HOST: '127.0.0.1',
    WS_PORT: String(wsPort),
    LOG_LEVEL: 'silent',
    RATE_LIMITS: GENEROUS_RATE_LIMITS,
    ...options.serverEnv,
  });
  const connection = await connectRedis(config, () => {});
  const server = await startServer(config, connection);
  const stack = { smtp, redis, dashboard, server, connection, browser, publicKey: '' } as SaasStack;
  stack.site = await listenLocal(
    createServer((request, response) => {
      const key = new URL(request.url ?? '/', 'http://site').pathname.slice(1) || 'home';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Article ${key}</title></head>
<body><h1>Article ${key}</h1><div id="threadkit"></div>
<script src="${apiUrl}/embed.js" data-project-id="${stack.publicKey}" data-page-key="${key}" data-ws-url="${server.wsUrl}" async></script>
</body></html>`);
    }),
  );
  stack.ownerWithSite = async (page, owner) => {
    const field = (label: string) => page.getByLabel(label, { exact: true });
    await page.goto(`${dashboard.url}/signup`);
    await field('Your name').fill(owner.name);
    await field('E-mail').fill(owner.email);
    await field('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${dashboard.url}/sites`);
    const link = /https?:\/\/\S+\/verify\?token=[\w-]+/.exec((await smtp.nextMessage(owner.email)).text)?.[0];
    if (!link) throw new Error('no verification link in the e-mail');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Address confirmed' }).waitFor();
    await page.goto(`${dashboard.url}/sites`);
    await field('Name').fill(owner.site);
    await field('Domain').fill(`${owner.site.toLowerCase().replace(/\W+/g, '-')}.example.com`);
    await field('Other allowed origins').fill(stack.site.url);
    await page.getByRole('button', { name: 'Add the site' }).click();
    await page.getByRole('link', { name: `Embed ${owner.site}` }).click();
    await page.waitForURL(/\/sites\/[\w-]+$/);
    const snippet = await page
      .getByRole('figure', { name: /^HTML embed code/ })
      .locator('pre')
      .textContent();
    const key = /data-project-id="(tk_pub_[\w-]+)"/.exec(snippet ?? '')?.[1];
    if (!key) throw new Error('no public key in the embed code');
    stack.publicKey = key;
    return new URL(page.url()).pathname.split('/').pop()!;
  };
  stack.close = async () => {
    await browser.close();
    await stack.site.stop();
    await server.close();
    await connection.close();
    await dashboard.stop();
    await redis.stop();
    await smtp.stop();
  };
  return stack;
}

/**
 * `it` for a test file on the stack: a longer timeout (each step hashes passwords
 * and renders on the server; a loaded machine takes a while), and what the
 * dashboard printed shown when a test fails, the first thing to read then.
 */
export function stackTest(stack: () => SaasStack | undefined, timeoutMs = 120_000) {
  return (name: string, fn: () => Promise<void>) =>
    test(
      name,
      async () => {
        onTestFailed(() =>
          console.error(`dashboard output:\n${stack()?.dashboard.output() ?? '(not started)'}`),
        );
        await fn();
      },
      timeoutMs,
    );
}
